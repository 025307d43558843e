// A rogue runner of the same tenant, on a raw WebSocket, sends frames about runs it does not hold:
// a live edge run (remote_a2a) and another runner's live run. Nothing about either run changes,
// the rogue is never dispatched anything (nor sent a secret), and the real holder goes on.
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { agentUrl, connect, waitForStatus, type TestClient } from "./support/mcp.ts";
import { ScriptedRunner, runnerWithRun } from "./support/scripted-runner.ts";
import { holderOf, ignoredFrames, runStorage, runsHeldBy } from "./support/storage.ts";

const INJECTED = [
  { type: "run_started", data: {} },
  { type: "status_changed", data: { from: "running", to: "completed", reason: "INJECTED" } },
  { type: "agent_message", data: { text: "INJECTED" } },
  { type: "usage", data: { input_tokens: 1e12, output_tokens: 1 } },
  { type: "input_required", data: { text: "INJECTED question" } },
  { type: "run_failed", data: { error: { code: "INJECTED", message: "INJECTED" } } },
  { type: "run_completed", data: { final_response: "INJECTED-FINAL" } },
];
const REFUSALS = ["cwd_outside_roots", "backend_unavailable", "no_free_slot", "bad_request"] as const;

/**
 * Every run.outputs a rogue can send about `runId`: each event kind alone, at source_seq 1 (what an
 * edge run or a fresh run would take next) and 2 (what the holder's run takes next), all of them
 * in one batch, a ref claiming the run, and a checkpoint.
 */
function rogueOutputs(runId: string): unknown[] {
  const frame = (items: { source_seq: number; output: unknown }[]) => ({
    type: "run.outputs",
    run_id: runId,
    items,
  });
  return [
    ...INJECTED.flatMap((event) =>
      [1, 2].map((source_seq) => frame([{ source_seq, output: { kind: "event", event } }])),
    ),
    frame(INJECTED.map((event, i) => ({ source_seq: i + 1, output: { kind: "event", event } }))),
    frame([{ source_seq: 1, output: { kind: "ref", ref: { runner: "INJECTED", task_id: "INJECTED" } } }]),
    frame([{ source_seq: 2, output: { kind: "checkpoint", state: { messages: ["INJECTED"] } } }]),
  ];
}

interface Scene {
  c: TestClient;
  secret: string;
  holder: ScriptedRunner;
  rogue: ScriptedRunner;
  /** A live run held by `holder` (openai_compatible on a private endpoint, with an api_key). */
  held: string;
  /** A live edge run (remote_a2a), waiting for input. */
  edge: string;
}

/** What the outside sees of a run, and every row its object stores. */
async function snapshot(c: TestClient, runId: string): Promise<string> {
  const run = await c.ok("get_run", { run_id: runId });
  const page = await c.ok("poll_events", { run_id: runId, after_seq: 0, limit: 1000, wait_ms: 0 });
  return JSON.stringify({ run, page, storage: await runStorage(runId) });
}

async function scene(): Promise<Scene> {
  const t = crypto.randomUUID().slice(0, 8);
  const secret = `sk-MARKER-${t}`;
  const labels = { team: t };
  const c = await connect();
  const holder = await ScriptedRunner.connect({
    name: `holder-${t}`,
    labels,
    maxRuns: 1,
    backends: ["openai_compatible"],
  });
  const held = await c.ok("spawn_run", {
    backend: "openai_compatible",
    prompt: "2+2",
    backend_config: { base_url: "http://192.168.1.1/v1", model: "m", api_key: secret, runner_labels: labels },
  });
  // The holder gets the secret: the marker is there to be found, so its absence below means something.
  expect(JSON.stringify(await holder.next("run.dispatch", (f) => f.run_id === held.run_id))).toContain(
    secret,
  );
  holder.outputs(held.run_id, 1, [{ type: "run_started", data: {} }]);
  await holder.next("run.ack", (f) => f.run_id === held.run_id && f.source_seq === 1);
  const edge = await c.ok("spawn_run", {
    backend: "remote_a2a",
    prompt: "who?",
    backend_config: { agent_url: agentUrl("inputRequired"), auth_token: secret },
  });
  await waitForStatus(c, held.run_id, ["running"]);
  await waitForStatus(c, edge.run_id, ["input_required"]);
  // Same tenant, same labels, more free slots: the runner placement would pick for a requeued run.
  const rogue = await ScriptedRunner.connect({
    name: `rogue-${t}`,
    labels,
    maxRuns: 8,
    backends: ["openai_compatible"],
  });
  await rogue.next("runner.welcome");
  return { c, secret, holder, rogue, held: held.run_id, edge: edge.run_id };
}

/** Waits (bounded) until the hub has counted `count` ignored frames of `runner`. */
async function ignoredReach(runner: string, count: number): Promise<number> {
  for (let i = 0; i < 100 && (await ignoredFrames(runner)) < count; i++)
    await new Promise((r) => setTimeout(r, 50));
  return ignoredFrames(runner);
}

/** The rogue learnt nothing: only its welcome and acks of its own frames, no secret anywhere. */
function expectRogueGotNothing(s: Scene): void {
  const types = s.rogue.received.map((raw) => (JSON.parse(raw) as { type: string }).type);
  expect(new Set(types)).toEqual(
    new Set(["runner.welcome", ...(types.includes("run.ack") ? ["run.ack"] : [])]),
  );
  expect(s.rogue.received.filter((raw) => raw.includes(s.secret))).toEqual([]);
}

/** The holder still holds its run and completes it; the edge run takes its answer and completes. */
async function expectRunsGoOn(s: Scene): Promise<void> {
  expect(await holderOf(s.held)).toBe(s.holder.name);
  expect(await runsHeldBy(s.rogue.name)).toEqual([]);
  expect(s.holder.frames.filter((f) => f.type === "run.cancel" || f.type === "run.dispatch")).toEqual([]);
  s.holder.outputs(s.held, 2, [
    { type: "agent_message", data: { text: "4" } },
    { type: "run_completed", data: { final_response: "4" } },
  ]);
  expect((await s.holder.next("run.ack", (f) => f.run_id === s.held && f.source_seq === 3)).source_seq).toBe(
    3,
  );
  const held = await waitForStatus(s.c, s.held, ["completed", "failed"]);
  expect(held).toMatchObject({ status: "completed", result: { final_response: "4" } });
  expect(held.remote_ref.runner).toBe(s.holder.name);
  await s.c.ok("continue_run", { run_id: s.edge, prompt: "Ada" });
  const edge = await waitForStatus(s.c, s.edge, ["completed", "failed"]);
  expect(edge).toMatchObject({ status: "completed", result: { final_response: "Hello, Ada" } });
}

describe("a runner writes only to runs it holds", () => {
  let warn: MockInstance<typeof console.warn>;
  let s: Scene;
  beforeEach(async () => {
    s = await scene();
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockRestore();
    s.holder.close();
    s.rogue.close();
  });

  it("run.outputs of every kind about an edge run or another runner's run change nothing", async () => {
    const before = [await snapshot(s.c, s.edge), await snapshot(s.c, s.held)];
    const frames = [...rogueOutputs(s.edge), ...rogueOutputs(s.held)];
    for (const frame of frames) s.rogue.send(frame);
    // Each is acknowledged with the rogue's own number, so a runner that lost a run can forget it.
    for (const frame of frames as { run_id: string; items: { source_seq: number }[] }[]) {
      const ack = await s.rogue.next("run.ack", (f) => f.run_id === frame.run_id);
      expect(ack.source_seq).toBe(Math.max(...frame.items.map((i) => i.source_seq)));
    }
    expect(await ignoredReach(s.rogue.name, frames.length)).toBe(frames.length);
    expect(await ignoredFrames(s.holder.name)).toBe(0);
    expect([await snapshot(s.c, s.edge), await snapshot(s.c, s.held)]).toEqual(before);

    // Logged with run, runner and frame type, never with what the frame carried.
    const logged = warn.mock.calls.filter((call) => String(call[0]).startsWith("runner frame ignored"));
    expect(logged).toHaveLength(frames.length);
    for (const call of logged) {
      expect(call[1]).toMatchObject({ runner: s.rogue.name, frame: "run.outputs" });
      expect([s.edge, s.held]).toContain((call[1] as { run_id: string }).run_id);
      expect(JSON.stringify(call)).not.toContain("INJECTED");
    }
    expectRogueGotNothing(s);
    await expectRunsGoOn(s);
  });

  it("run.refused with every code about an edge run or another runner's run changes nothing", async () => {
    const before = [await snapshot(s.c, s.edge), await snapshot(s.c, s.held)];
    const frames = [s.edge, s.held].flatMap((run_id) =>
      REFUSALS.map((code) => ({ type: "run.refused", run_id, code, reason: `INJECTED ${code}` })),
    );
    for (const frame of frames) s.rogue.send(frame);
    expect(await ignoredReach(s.rogue.name, frames.length)).toBe(frames.length);
    expect([await snapshot(s.c, s.edge), await snapshot(s.c, s.held)]).toEqual(before);
    const logged = warn.mock.calls.filter((call) => String(call[0]).startsWith("runner frame ignored"));
    expect(logged.map((call) => (call[1] as { frame: string }).frame)).toEqual(
      frames.map(() => "run.refused"),
    );
    expect(JSON.stringify(logged)).not.toContain("INJECTED");
    // A requeue would have handed the held run, and its api_key, to the rogue: it has more free slots.
    expectRogueGotNothing(s);
    await expectRunsGoOn(s);
  });

  it("a streaming edge run is not ended by another runner's frames", async () => {
    const run = await s.c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "long job",
      backend_config: { agent_url: agentUrl("slow") },
    });
    await waitForStatus(s.c, run.run_id, ["running"]);
    const frames = rogueOutputs(run.run_id);
    for (const frame of frames) s.rogue.send(frame);
    for (let i = 0; i < frames.length; i++) await s.rogue.next("run.ack", (f) => f.run_id === run.run_id);
    expect(await ignoredReach(s.rogue.name, frames.length)).toBe(frames.length);
    const page = await s.c.ok("poll_events", { run_id: run.run_id, after_seq: 0, limit: 1000, wait_ms: 0 });
    expect(page.status).toBe("running");
    expect(JSON.stringify(page)).not.toContain("INJECTED");
    expect((await s.c.ok("cancel_run", { run_id: run.run_id })).status).toBe("cancelled");
  });
});

describe("the holder after a reconnect", () => {
  it("still writes to its run over the new connection, under the same name", async () => {
    const c = await connect();
    const { runner: first, runId } = await runnerWithRun(c, "reconnecting");
    first.outputs(runId, 1, [{ type: "run_started", data: {} }]);
    await first.next("run.ack", (f) => f.source_seq === 1);
    first.close();
    const second = await ScriptedRunner.connect({
      name: first.name,
      backends: ["codex"],
      activeRuns: [runId],
    });
    await second.next("runner.welcome");
    // Its ref cannot claim the run for another runner: remote_ref.runner is the Worker's word.
    second.send({
      type: "run.outputs",
      run_id: runId,
      items: [{ source_seq: 2, output: { kind: "ref", ref: { runner: "someone-else", thread_id: "t-2" } } }],
    });
    second.outputs(runId, 3, [
      { type: "agent_message", data: { text: "after reconnect" } },
      { type: "run_completed", data: { final_response: "after reconnect" } },
    ]);
    expect((await second.next("run.ack", (f) => f.source_seq === 4)).run_id).toBe(runId);
    const done = await waitForStatus(c, runId, ["completed", "failed"]);
    expect(done).toMatchObject({ status: "completed", result: { final_response: "after reconnect" } });
    expect(done.remote_ref).toEqual({ runner: first.name, thread_id: "t-2" });
    expect(await ignoredFrames(first.name)).toBe(0);
    second.close();
  });
});
