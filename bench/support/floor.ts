// The floor: floor-main.ts in its own process, answering the JSON-RPC results captured here from
// Switchyard, so one client pattern can be timed against both.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, type Child } from "./child.ts";
import type { Cleanup } from "./cleanup.ts";
import { TOKEN } from "./switchyard.ts";

const FLOOR = new URL("./floor-main.ts", import.meta.url).pathname;
const PROTOCOL = "2025-06-18";

let rpcId = 0;

/** One JSON-RPC call to `${url}/mcp` with bare fetch; returns the parsed answer. */
export async function rpc(url: string, method: string, params: unknown): Promise<{ result: unknown }> {
  const res = await fetch(`${url}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": PROTOCOL,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: unknown };
  if (!res.ok || body.result === undefined)
    throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body as { result: unknown };
}

/**
 * Starts the floor server with Switchyard's own answers to initialize, tools/list and `call`
 * (a tools/call); `wakeMs` switches it to parking poll_events calls until its next stamped event.
 */
export async function startFloor(
  cleanup: Cleanup,
  switchyardUrl: string,
  call: { name: string; arguments: unknown },
  wakeMs?: number,
): Promise<Child<{ url: string }>> {
  const canned: Record<string, unknown> = {
    initialize: (
      await rpc(switchyardUrl, "initialize", {
        protocolVersion: PROTOCOL,
        capabilities: {},
        clientInfo: { name: "bench", version: "1" },
      })
    ).result,
    "tools/list": (await rpc(switchyardUrl, "tools/list", {})).result,
    "tools/call": (await rpc(switchyardUrl, "tools/call", call)).result,
  };
  const dir = mkdtempSync(join(tmpdir(), "switchyard-floor-"));
  cleanup.defer("floor files", () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "canned.json");
  writeFileSync(file, JSON.stringify(canned));
  return startChild<{ url: string }>(
    cleanup,
    FLOOR,
    wakeMs === undefined ? [file] : [file, `wake:${wakeMs}`],
  );
}
