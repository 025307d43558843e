// The runner hub through the real Worker: dispatch, queueing, placement, exactly-once relay,
// refusal, token kinds and runner loss — with the test acting as the runner on a real WebSocket.
import { describe, expect, it } from "vitest";
import { connect, drainEvents, waitForStatus } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const codex = (extra: Record<string, unknown> = {}) => ({
  backend: "codex",
  prompt: "fix it",
  cwd: "/work/repo",
  ...extra,
});
const turn = (text: string) => [
  { type: "run_started", data: { thread_id: "t-1" } },
  { type: "agent_message", data: { text } },
  { type: "usage", data: { input_tokens: 5, output_tokens: 3 } },
  { type: "run_completed", data: { final_response: text } },
];

describe("runner hub", () => {
  it("a run spawned before any runner stays queued with the reason, then starts when one connects", async () => {
    const c = await connect("test-token-globex");
    const run = await c.ok("spawn_run", codex());
    const queued = await c.ok("get_run", { run_id: run.run_id });
    expect(queued.status).toBe("queued");
    expect(queued.status_reason).toMatch(/none is connected/);

    const runner = await ScriptedRunner.connect({ token: "runner-token-globex", name: "laptop" });
    const dispatch = await runner.next("run.dispatch");
    expect(dispatch).toMatchObject({ run_id: run.run_id, backend: "codex", cwd: "/work/repo", acked_seq: 0 });
    runner.outputs(run.run_id, 1, turn("done"));
    expect((await runner.next("run.ack")).source_seq).toBe(4);
    const done = await waitForStatus(c, run.run_id, ["completed"]);
    expect(done.result.final_response).toBe("done");
    expect(done.remote_ref.runner).toBe("laptop");
    runner.close();
  });

  it("resent outputs are stored once, in order; a gap is not acknowledged past it", async () => {
    const c = await connect();
    const runner = await ScriptedRunner.connect({ name: "dedupe" });
    const run = await c.ok("spawn_run", codex({ backend_config: { runner: "dedupe" } }));
    await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    const events = turn("once");
    runner.outputs(run.run_id, 1, events.slice(0, 2));
    expect((await runner.next("run.ack")).source_seq).toBe(2);
    // After a reconnect a runner resends what it had not seen acknowledged: 1..3 again, then a gap.
    runner.outputs(run.run_id, 1, events.slice(0, 3));
    expect((await runner.next("run.ack")).source_seq).toBe(3);
    runner.send({
      type: "run.outputs",
      run_id: run.run_id,
      items: [{ source_seq: 9, output: { kind: "event", event: events[3] } }],
    });
    expect((await runner.next("run.ack")).source_seq).toBe(3);
    runner.outputs(run.run_id, 4, events.slice(3));
    expect((await runner.next("run.ack")).source_seq).toBe(4);
    const log = await drainEvents(c, run.run_id);
    expect(log.filter((e) => e.type !== "status_changed").map((e) => e.type)).toEqual(
      events.map((e) => e.type),
    );
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    runner.close();
  });

  it("a relayed checkpoint travels with the dispatch of a run resuming the session", async () => {
    const c = await connect("test-token-globex");
    const runner = await ScriptedRunner.connect({
      token: "runner-token-globex",
      name: "chk",
      backends: ["openai_compatible"],
    });
    // A private endpoint: the edge will not fetch it, so a runner takes the run.
    const run = await c.ok("spawn_run", {
      backend: "openai_compatible",
      prompt: "2+2",
      backend_config: { base_url: "http://192.168.1.1/v1", model: "m" },
    });
    expect((await runner.next("run.dispatch")).checkpoint).toBeUndefined();
    const conversation = {
      messages: [
        { role: "user", content: "2+2" },
        { role: "assistant", content: "4" },
      ],
    };
    runner.send({
      type: "run.outputs",
      run_id: run.run_id,
      items: [
        { source_seq: 1, output: { kind: "event", event: { type: "run_started", data: {} } } },
        { source_seq: 2, output: { kind: "checkpoint", state: conversation } },
        {
          source_seq: 3,
          output: { kind: "event", event: { type: "run_completed", data: { final_response: "4" } } },
        },
      ],
    });
    expect((await runner.next("run.ack")).source_seq).toBe(3);
    await waitForStatus(c, run.run_id, ["completed"]);
    const next = await c.ok("continue_run", { run_id: run.run_id, prompt: "doubled" });
    expect((await runner.next("run.dispatch", (f) => f.run_id === next.run_id)).checkpoint).toEqual(
      conversation,
    );
    runner.close();
  });

  it("places runs by name, by labels, and otherwise by free slots", async () => {
    const c = await connect();
    const a = await ScriptedRunner.connect({ name: "place-a", labels: { gpu: "yes" }, maxRuns: 1 });
    const b = await ScriptedRunner.connect({ name: "place-b", maxRuns: 3 });
    const byName = await c.ok("spawn_run", codex({ backend_config: { runner: "place-a" } }));
    expect((await a.next("run.dispatch")).run_id).toBe(byName.run_id);
    const byLabel = await c.ok("spawn_run", codex({ backend_config: { runner_labels: { gpu: "yes" } } }));
    // place-a is full (1 slot): the labelled run waits for it rather than going to place-b.
    const waiting = await c.ok("get_run", { run_id: byLabel.run_id });
    expect(waiting.status).toBe("queued");
    expect(waiting.status_reason).toMatch(/free slot/);
    const free = await c.ok("spawn_run", codex());
    expect((await b.next("run.dispatch")).run_id).toBe(free.run_id);
    a.outputs(byName.run_id, 1, turn("a done"));
    await waitForStatus(c, byName.run_id, ["completed"]);
    expect((await a.next("run.dispatch")).run_id).toBe(byLabel.run_id);
    a.close();
    b.close();
  });

  it("a refused run fails with the runner's reason", async () => {
    const c = await connect();
    const runner = await ScriptedRunner.connect({ name: "refuser" });
    const run = await c.ok("spawn_run", codex({ cwd: "/etc", backend_config: { runner: "refuser" } }));
    await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    runner.send({
      type: "run.refused",
      run_id: run.run_id,
      code: "cwd_outside_roots",
      reason: "cwd /etc is outside roots /work",
    });
    const failed = await waitForStatus(c, run.run_id, ["failed"]);
    expect(failed.error.code).toBe("runner_refused:cwd_outside_roots");
    expect(failed.error.message).toContain("/etc");
    runner.close();
  });

  it("cancel_run reaches the runner holding the run", async () => {
    const c = await connect();
    const runner = await ScriptedRunner.connect({ name: "canceller" });
    const run = await c.ok("spawn_run", codex({ backend_config: { runner: "canceller" } }));
    await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    runner.outputs(run.run_id, 1, turn("x").slice(0, 1));
    await waitForStatus(c, run.run_id, ["running"]);
    expect((await c.ok("cancel_run", { run_id: run.run_id })).status).toBe("cancelled");
    expect((await runner.next("run.cancel")).run_id).toBe(run.run_id);
    runner.close();
  });

  it("a runner reconnecting with a run that ended meanwhile is told to cancel it, and only that run", async () => {
    const c = await connect();
    const first = await ScriptedRunner.connect({ name: "away" });
    const ended = await c.ok("spawn_run", codex({ backend_config: { runner: "away" } }));
    const live = await c.ok("spawn_run", codex({ backend_config: { runner: "away" } }));
    for (const run of [ended, live]) {
      await first.next("run.dispatch", (f) => f.run_id === run.run_id);
      first.outputs(run.run_id, 1, turn("x").slice(0, 1));
      await waitForStatus(c, run.run_id, ["running"]);
    }
    first.close();
    // Cancelled while the link is down: the cancel cannot reach the runner now.
    expect((await c.ok("cancel_run", { run_id: ended.run_id })).status).toBe("cancelled");

    const second = await ScriptedRunner.connect({ name: "away", activeRuns: [ended.run_id, live.run_id] });
    expect((await second.next("run.cancel")).run_id).toBe(ended.run_id);
    second.outputs(live.run_id, 2, turn("x").slice(1));
    expect((await waitForStatus(c, live.run_id, ["completed"])).status).toBe("completed");
    expect(second.frames.filter((f) => f.type === "run.cancel")).toEqual([]);
    second.close();
  });

  it("a dispatch lost with a dropped connection is sent again when the runner reconnects", async () => {
    const c = await connect();
    const first = await ScriptedRunner.connect({ name: "flaky", instance: "flaky-process" });
    const run = await c.ok("spawn_run", codex({ backend_config: { runner: "flaky" } }));
    await first.next("run.dispatch", (f) => f.run_id === run.run_id);
    // The link drops before the runner took the run: the same process reconnects holding nothing.
    first.close();
    const second = await ScriptedRunner.connect({ name: "flaky", instance: "flaky-process" });
    await second.next("run.dispatch", (f) => f.run_id === run.run_id);
    second.outputs(run.run_id, 1, turn("second try"));
    const done = await waitForStatus(c, run.run_id, ["completed"]);
    expect(done.result.final_response).toBe("second try");
    second.close();
  });

  it("a runner gone past the grace period fails its runs with runner_lost", async () => {
    const c = await connect();
    const runner = await ScriptedRunner.connect({ name: "vanishing" });
    const run = await c.ok("spawn_run", codex({ backend_config: { runner: "vanishing" } }));
    await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    runner.outputs(run.run_id, 1, turn("x").slice(0, 1));
    await waitForStatus(c, run.run_id, ["running"]);
    runner.close();
    const lost = await waitForStatus(c, run.run_id, ["failed"]);
    expect(lost.error.code).toBe("runner_lost");
    expect(lost.status_reason).toBe("runner_lost");
  });

  it("an MCP token cannot connect as a runner; a runner token cannot call /mcp", async () => {
    const runner = await ScriptedRunner.connect({ token: "test-token-acme", name: "impostor" });
    await expect(runner.next("runner.welcome", () => true, 3_000)).rejects.toThrow(/4401/);
    await expect(connect("runner-token-acme")).rejects.toThrow();
  });
});
