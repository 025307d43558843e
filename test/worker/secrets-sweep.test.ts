// The secrets sweep: a distinctive marker in every secret field of every backend, agents that echo
// it back (plain, base64, percent- and JSON-encoded, split across streamed pieces), runs that
// complete, fail, are cancelled, time out and are reviewed, and an orchestrating run echoing its
// run token — then every tool result and every row of every Durable Object's storage is searched
// for the marker in each form and for the token: zero hits.
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { agentUrl, connect, drainEvents, waitForStatus, type TestClient } from "./support/mcp.ts";
import { fakeRoot, script, uniqueModel } from "./support/openai-backend.ts";
import type { Env } from "../../worker/env.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";
import { storageText } from "./support/storage.ts";
import { hitsOf, hook, verifies } from "./support/notify.ts";
import { RUN_TOKEN_SECRET } from "../../shared/runs/run-token.ts";

const bindings = env as unknown as Env;
/** A notify signing with `secret`, to the receiver that answers 200. */
const notifyWith = (secret: string, events: string[]) => ({
  url: hook("sweep"),
  events,
  secret,
});

const random = () => crypto.randomUUID().replace(/-/g, "").slice(0, 10);
const MARKER = `SWYD-SECRET-${random()}`;
/** One secret per field; each has a double space and a tab inside, then words found nowhere else. */
const secret = () => `${MARKER}  ${random()}\t${random()}`;
const SECRET = {
  a2aToken: secret(),
  a2aHeader: secret(),
  reviewToken: secret(),
  oaiKey: secret(),
  oaiHeader: secret(),
  runnerKey: secret(),
  notify: secret(),
  laneNotify: secret(),
  tenantNotify: secret(),
};
const TERMINAL = ["completed", "failed", "cancelled", "rejected"];
/** The orchestrating run's token, as its dispatch carried it (set in beforeAll). */
let runToken = "";

/** What must never appear: the marker, plain and in the encodings an echo could use. */
function needles(): string[] {
  const b64 = (s: string) => btoa(s);
  const urlSafe = (s: string) => s.replace(/\+/g, "-").replace(/\//g, "_");
  // The marker at each byte offset inside a base64 blob, minus the characters shared with neighbours.
  const cores = [0, 1, 2].map((k) => {
    const e = b64("\0".repeat(k) + MARKER);
    return e.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + MARKER.length)) / 6));
  });
  const forms = [MARKER, ...cores, ...cores.map(urlSafe)];
  // Also the parts of each secret after its marker, so half-redacted text ("[redacted] rest") counts.
  for (const value of Object.values(SECRET)) {
    forms.push(...value.slice(MARKER.length).trim().split(/\s+/));
    forms.push(encodeURIComponent(value), JSON.stringify(value).slice(1, -1));
  }
  // A run token is never kept in any form: the whole token and its random part alone.
  if (runToken) forms.push(runToken, runToken.split("~").at(-1)!);
  return [...new Set(forms)];
}

/** What a runner relays for a turn that echoes `echo` everywhere an agent's text can go, ending with `ending`. */
function echoOutputs(echo: string, ending: { type: string; data: Record<string, unknown> }) {
  const third = Math.ceil(echo.length / 3);
  const [p1, p2, p3] = [echo.slice(0, third), echo.slice(third, 2 * third), echo.slice(2 * third)];
  return [
    { type: "run_started", data: {} },
    { type: "agent_message", data: { text: p1, partial: true, index: 0 } },
    { type: "reasoning", data: { text: p1 + p2 } },
    { type: "agent_message", data: { text: p2, partial: true, index: 1 } },
    { type: "reasoning", data: { text: p3 } },
    {
      type: "artifact_added",
      data: { artifact_id: "out", text: p1, parts: [{ kind: "text", text: p1 }] },
    },
    {
      type: "artifact_added",
      data: { artifact_id: "out", text: p2 + p3, parts: [{ kind: "text", text: p2 + p3 }], append: true },
    },
    { type: "command_finished", data: { command: "env", output: echo, exit_code: 0 } },
    { type: "agent_message", data: { text: p3, partial: true, index: 2 } },
    { type: "agent_message", data: { text: echo, partial: false } },
    ending,
  ];
}

/** Hits of every needle in `text`, as "needle @ where" lines. */
function hits(text: string, where: string): string[] {
  return needles()
    .filter((n) => text.includes(n))
    .map((n) => {
      const at = text.indexOf(n);
      return `${n} @ ${where}: …${text.slice(Math.max(0, at - 60), at + n.length + 20)}…`;
    });
}

const a2a = (agent: "echoSecrets" | "reviewer", extra: Record<string, unknown> = {}) => ({
  agent_url: agentUrl(agent),
  auth_token: SECRET.a2aToken,
  headers: { "x-swyd-key": SECRET.a2aHeader },
  ...extra,
});
const oai = (model: string, extra: Record<string, unknown> = {}) => ({
  base_url: `${fakeRoot()}/v1`,
  model,
  api_key: SECRET.oaiKey,
  headers: { "x-swyd-key": SECRET.oaiHeader },
  ...extra,
});

async function privateKeys(stub: DurableObjectStub): Promise<string[]> {
  return runInDurableObject(stub, (_instance: unknown, state: DurableObjectState) =>
    state.storage.sql
      .exec<{ key: string }>("SELECT key FROM sy_private")
      .toArray()
      .map((r) => r.key),
  );
}

describe("secrets sweep", () => {
  let c: TestClient;
  const runIds: string[] = [];
  const outcomes: Record<string, string> = {};
  let notified: any[] = [];
  let defaultShown = "";

  beforeAll(async () => {
    c = await connect();
    await c.ok("manage_lane", {
      operation: "upsert",
      lane_id: "sweep-lane",
      backend: "remote_a2a",
      notify: notifyWith(SECRET.laneNotify, ["completed"]),
    });
    // The tenant's default: every run without a notify of its own or its lane's takes it; the cancelled one sends.
    await c.ok("manage_notify", { action: "set", notify: notifyWith(SECRET.tenantNotify, ["cancelled"]) });
    const spawn = async (name: string, args: Record<string, unknown>) => {
      const run = await c.ok("spawn_run", { role: "worker", ...args });
      runIds.push(run.run_id);
      return { name, id: run.run_id as string };
    };

    // Every run that ends other than completed holds a review carry until it ends.
    const review = {
      backend: "remote_a2a",
      backend_config: { agent_url: agentUrl("reviewer"), auth_token: SECRET.reviewToken },
    };
    const completeModel = uniqueModel();
    const failModel = uniqueModel();
    await script(completeModel, [{ echoHeaders: ["authorization", "x-swyd-key"], chunks: 9 }]);
    await script(failModel, [{ status: 401, echoHeaders: ["authorization", "x-swyd-key"] }]);

    const started = await Promise.all([
      spawn("a2a completes", {
        backend: "remote_a2a",
        prompt: "echo",
        lane_id: "sweep-lane",
        backend_config: a2a("echoSecrets"),
      }),
      spawn("a2a fails", {
        backend: "remote_a2a",
        prompt: "echo, end:fail",
        backend_config: a2a("echoSecrets"),
        notify: notifyWith(SECRET.notify, ["failed"]),
      }),
      spawn("a2a cancelled", {
        backend: "remote_a2a",
        prompt: "echo, end:hang",
        backend_config: a2a("echoSecrets"),
        review,
      }),
      spawn("a2a rejected", {
        backend: "remote_a2a",
        prompt: "echo",
        backend_config: { ...a2a("echoSecrets"), agent_url: agentUrl("rejecting") },
        review,
      }),
      spawn("a2a times out", {
        backend: "remote_a2a",
        prompt: "echo, end:hang",
        timeout_s: 2,
        backend_config: a2a("echoSecrets"),
        review,
      }),
      spawn("a2a reviewed", {
        backend: "remote_a2a",
        prompt: "echo",
        backend_config: a2a("echoSecrets"),
        notify: notifyWith(SECRET.notify, ["completed", "review_verdict"]),
        review: {
          backend: "remote_a2a",
          max_cycles: 2,
          backend_config: { agent_url: agentUrl("reviewer"), auth_token: SECRET.reviewToken },
        },
      }),
      spawn("a2a reviewed, worker fails", {
        backend: "remote_a2a",
        prompt: "echo, end:fail",
        backend_config: a2a("echoSecrets"),
        review,
      }),
      spawn("openai completes", {
        backend: "openai_compatible",
        prompt: "echo",
        backend_config: oai(completeModel),
      }),
      spawn("openai fails", { backend: "openai_compatible", prompt: "echo", backend_config: oai(failModel) }),
    ]);

    // Runner-backed: a scripted runner gets the secrets with the dispatch and echoes them back.
    const runner = await ScriptedRunner.connect({ name: "sweep-runner", backends: ["openai_compatible"] });
    const runnerRunsEchoed = await Promise.all([
      spawn("runner completes", {
        backend: "openai_compatible",
        prompt: "echo",
        backend_config: { ...oai("local"), api_key: SECRET.runnerKey, runner: "sweep-runner" },
      }),
      spawn("runner fails", {
        backend: "openai_compatible",
        prompt: "echo",
        backend_config: { ...oai("local"), api_key: SECRET.runnerKey, runner: "sweep-runner" },
      }),
    ]);
    for (const [i, run] of runnerRunsEchoed.entries()) {
      const dispatch = await runner.next("run.dispatch", (f) => f.run_id === run.id);
      const secrets = dispatch.secrets as { api_key: string; headers: Record<string, string> };
      expect(secrets.api_key).toBe(SECRET.runnerKey);
      const echo = `key=${secrets.api_key} hdr=${secrets.headers["x-swyd-key"]} b64=${btoa(secrets.api_key)}`;
      const ending =
        i === 0
          ? { type: "run_completed", data: { final_response: echo } }
          : {
              type: "run_failed",
              data: { error: { code: "backend_failed", message: `model said ${echo}` } },
            };
      runner.outputs(run.id, 1, echoOutputs(echo, ending));
    }

    // An orchestrating run: its agent spawns a child with the run token, then echoes the token.
    const orchestrator = await ScriptedRunner.connect({ name: "sweep-orchestrator", backends: ["codex"] });
    const planner = await spawn("orchestrator completes", {
      backend: "codex",
      prompt: "plan",
      cwd: "/w",
      backend_config: { runner: "sweep-orchestrator", orchestration: true },
    });
    const plannerDispatch = await orchestrator.next("run.dispatch", (f) => f.run_id === planner.id);
    runToken = String(plannerDispatch.secrets[RUN_TOKEN_SECRET]);
    const scoped = await connect(runToken);
    const child = await scoped.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "echo",
      backend_config: a2a("echoSecrets"),
    });
    runIds.push(child.run_id);
    const tokenEcho = `SWITCHYARD_RUN_TOKEN=${runToken} header="Authorization: Bearer ${runToken}"`;
    orchestrator.outputs(
      planner.id,
      1,
      echoOutputs(tokenEcho, { type: "run_completed", data: { final_response: tokenEcho } }),
    );
    const runnerRuns = [
      ...runnerRunsEchoed,
      planner,
      { name: "orchestrated child completes", id: child.run_id },
    ];

    const cancelled = started.find((r) => r.name === "a2a cancelled")!;
    await waitForStatus(c, cancelled.id, ["running"]);
    // Cancel once the agent has echoed what it will before hanging.
    for (let i = 0; i < 20; i++) {
      const page = await c.ok("poll_events", {
        run_id: cancelled.id,
        after_seq: 0,
        limit: 1000,
        wait_ms: 500,
      });
      if (page.terminal || page.events.filter((e: any) => e.type === "agent_message").length >= 3) break;
    }
    await c.ok("cancel_run", { run_id: cancelled.id });

    for (const run of [...started, ...runnerRuns]) {
      outcomes[run.name] = (await waitForStatus(c, run.id, TERMINAL)).status;
    }
    // The reviewed run's loop: reviewer, remediation, reviewer again — all must end too.
    const reviewed = started.find((r) => r.name === "a2a reviewed")!;
    for (let i = 0; i < 100; i++) {
      const all = (await c.ok("list_runs", { limit: 200 })).runs as any[];
      const tree = all.filter((r) => r.parent_run_id && !runIds.includes(r.run_id));
      for (const r of tree) runIds.push(r.run_id);
      const live = all.filter((r) => runIds.includes(r.run_id) && !TERMINAL.includes(r.status));
      const review = (await c.ok("get_run", { run_id: reviewed.id })).review;
      if (live.length === 0 && review && runIds.length >= 16) break;
      await c.ok("wait_runs", {
        run_ids: live.length ? live.map((r) => r.run_id) : [reviewed.id],
        wait_ms: 2000,
      });
    }
    // The notifying runs keep their secret until their last delivery (the verdict's, for the reviewed one).
    const notifying = ["a2a completes", "a2a fails", "a2a reviewed", "a2a cancelled"].map((n) =>
      started.find((r) => r.name === n)!,
    );
    for (const run of notifying) {
      for (let i = 0; i < 100; i++) {
        const d = (await c.ok("get_run", { run_id: run.id })).notify.deliveries;
        if (d.pending === 0 && d.delivered === (run.name === "a2a reviewed" ? 2 : 1)) break;
        await c.ok("wait_runs", { run_ids: [run.id], wait_ms: 200 });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    notified = await Promise.all(
      notifying.map(async (r) => (await c.ok("get_run", { run_id: r.id })).notify),
    );
    defaultShown = JSON.stringify(await c.ok("manage_notify", { action: "get" }));
    // A closed lane keeps no notify secret, nor a cleared default.
    await c.ok("manage_lane", { operation: "close", lane_id: "sweep-lane" });
    await c.ok("manage_notify", { action: "clear" });
    runner.close();
    orchestrator.close();
  }, 120_000);

  it("ran every kind of ending", async () => {
    expect(outcomes).toEqual({
      "a2a completes": "completed",
      "a2a fails": "failed",
      "a2a cancelled": "cancelled",
      "a2a rejected": "rejected",
      "a2a times out": "failed",
      "a2a reviewed": "completed",
      "a2a reviewed, worker fails": "failed",
      "openai completes": "completed",
      "openai fails": "failed",
      "runner completes": "completed",
      "runner fails": "failed",
      "orchestrator completes": "completed",
      "orchestrated child completes": "completed",
    });
    // Two reviewers and one remediation run joined the reviewed run's tree; a child the orchestrator spawned.
    const tree = ((await c.ok("list_runs", { limit: 200 })).runs as any[])
      .filter((r) => r.parent_run_id && runIds.includes(r.run_id))
      .map((r) => `${r.role}:${r.status}`);
    expect(tree.sort()).toEqual([
      "reviewer:completed",
      "reviewer:completed",
      "worker:completed",
      "worker:completed",
    ]);
    expect(runIds).toHaveLength(16);
    // Their webhooks went out, signed with the secrets swept for below.
    expect(notified.map((n) => n.deliveries)).toEqual([
      { pending: 0, delivered: 1, given_up: 0 },
      { pending: 0, delivered: 1, given_up: 0 },
      { pending: 0, delivered: 2, given_up: 0 },
      { pending: 0, delivered: 1, given_up: 0 },
    ]);
    const cancelled = (await hitsOf("sweep")).filter((h) => JSON.parse(h.body).event === "cancelled");
    expect(cancelled).toHaveLength(1);
    expect(await verifies(cancelled[0]!, SECRET.tenantNotify)).toBe(true);
  });

  it("no tool result holds a secret in any form, though the agents echoed them", async () => {
    let text = "";
    let artifactPages = 0;
    for (const runId of runIds) {
      text += JSON.stringify(await c.ok("get_run", { run_id: runId }));
      const events = await drainEvents(c, runId);
      text += JSON.stringify(events);
      for (const event of events) {
        for (const pointer of Object.keys(event.data.artifact_refs ?? {})) {
          text += JSON.stringify(
            await c.ok("get_event_artifact", { run_id: runId, seq: event.seq, field_path: pointer }),
          );
          artifactPages += 1;
        }
      }
    }
    text += JSON.stringify(await c.ok("list_runs", { limit: 200 }));
    for (const group_by of ["run", "backend", "model", "lane"])
      text += JSON.stringify(await c.ok("get_metrics", { group_by }));
    text += JSON.stringify(await c.ok("get_lane_activity", { lane_id: "sweep-lane" }));
    text += defaultShown;

    expect(hits(text, "tool results")).toEqual([]);
    expect(runToken).toMatch(/^syrun~acme~run_/);
    // The echoes did arrive and were redacted: a test that cannot see them proves nothing.
    expect(text.split("[redacted]").length - 1).toBeGreaterThan(40);
    expect(artifactPages).toBe(0);
  });

  it("no row of any Durable Object holds a secret, and no run keeps secrets or a review carry", async () => {
    let tables = 0;
    let rows = 0;
    const found: string[] = [];
    const kept: string[] = [];
    for (const runId of runIds) {
      const stub = bindings.RUNS.getByName(`acme/${runId}`);
      const storage = await storageText(stub);
      tables += storage.tables;
      rows += storage.rows;
      found.push(...hits(storage.text, `RunObject ${runId}`));
      kept.push(...(await privateKeys(stub)).filter((k) => k !== "checkpoint").map((k) => `${runId}:${k}`));
    }
    const tenant = await storageText(bindings.TENANTS.getByName("acme"));
    found.push(...hits(tenant.text, "TenantObject acme"));

    expect(found).toEqual([]);
    expect(kept).toEqual([]);
    expect(tables).toBeGreaterThanOrEqual(runIds.length * 4);
    expect(rows).toBeGreaterThan(runIds.length * 5);
    expect(tenant.rows).toBeGreaterThan(runIds.length);
  });
});
