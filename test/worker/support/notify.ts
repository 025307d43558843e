// The notification tests' view of the loopback webhook receiver (test/fixtures/notify-receiver.ts):
// hook URLs, what each hook received, failing its next requests, and checking a delivery's
// signature; and waiting, through get_run (which is no hit), until a run's deliveries settle.
import { env, runInDurableObject } from "cloudflare:test";
import type { NotifyHit, NotifyReceiverUrls } from "../../fixtures/notify-receiver.ts";
import type { TestClient } from "./mcp.ts";
import { objects } from "./objects.ts";

export const receiver = JSON.parse(
  (env as unknown as { TEST_NOTIFY: string }).TEST_NOTIFY,
) as NotifyReceiverUrls;
export const hook = (name: string) => `${receiver.hooks}/hook/${name}`;
export const hitsOf = async (name: string): Promise<NotifyHit[]> =>
  (await fetch(`${receiver.control}/hits/${name}`)).json();
export const failNext = (name: string, n: number, mode: "500" | "drop" = "500") =>
  fetch(`${receiver.control}/fail/${name}?n=${n}&mode=${mode}`, { method: "POST" });
export const unique = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}`;

/** Waits (through get_run, which is no hit) until the run has no pending delivery, then returns it. */
export async function settled(c: TestClient, runId: string): Promise<any> {
  for (let i = 0; i < 120; i++) {
    const run = await c.ok("get_run", { run_id: runId });
    const d = run.notify?.deliveries;
    if (d && d.pending === 0 && d.delivered + d.given_up > 0) return run;
    await c.ok("wait_runs", { run_ids: [runId], wait_ms: 250 });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`run ${runId}: deliveries never settled`);
}

/** Whether `hit` carries a v1 signature of "<timestamp>.<body>" under `secret`. */
export async function verifies(hit: NotifyHit, secret: string): Promise<boolean> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const hex = hit.headers["switchyard-signature"]?.replace(/^v1=/, "") ?? "";
  const mac = new Uint8Array((hex.match(/../g) ?? []).map((b) => parseInt(b, 16)));
  const signed = enc.encode(`${hit.headers["switchyard-timestamp"]}.${hit.body}`);
  return crypto.subtle.verify("HMAC", key, mac, signed);
}

/** The keys of a run's private documents. */
export const privateKeys = (runId: string, tenant = "acme") =>
  runInDurableObject(objects.RUNS.getByName(`${tenant}/${runId}`), (_o: unknown, state: DurableObjectState) =>
    state.storage.sql
      .exec<{ key: string }>("SELECT key FROM sy_private")
      .toArray()
      .map((r) => r.key),
  );
