// One order for the end of every run, whatever the backend: the event that ends it (run_completed,
// run_failed, rejected), then the status_changed to the terminal status, last.
import { describe, expect, it } from "vitest";
import { connect, drainEvents, spawnA2aRun, type A2aAgentName, type TestClient } from "./support/mcp.ts";
import { fakeRoot, script, uniqueModel } from "./support/openai-backend.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const ENDING = { completed: "run_completed", failed: "run_failed", rejected: "rejected" } as const;

/** The run's whole log ends with its ending event, then the status change to `status`. */
async function expectEnd(c: TestClient, runId: string, status: keyof typeof ENDING) {
  const events = await drainEvents(c, runId);
  const [ending, change] = events.slice(-2);
  expect([ending.type, change.type], `run ${runId}`).toEqual([ENDING[status], "status_changed"]);
  expect(change.data.to).toBe(status);
  expect(change.seq).toBe(ending.seq + 1);
  expect((await c.ok("get_run", { run_id: runId })).last_seq).toBe(change.seq);
}

describe("the end of a run", () => {
  it.each([
    ["streaming", "completed"],
    ["failing", "failed"],
    ["rejecting", "rejected"],
  ] as [A2aAgentName, keyof typeof ENDING][])(
    "remote_a2a %s: ends %s, status change last",
    async (agent, status) => {
      const c = await connect();
      const run = await spawnA2aRun(c, agent);
      await expectEnd(c, run.run_id, status);
    },
  );

  it.each([
    ["completed", { text: "four", usage: { prompt_tokens: 3, completion_tokens: 1 } }],
    ["failed", { status: 500, error: "model overloaded" }],
  ] as const)("openai_compatible at the edge: ends %s, status change last", async (status, turn) => {
    const c = await connect();
    const model = uniqueModel();
    await script(model, [turn]);
    const run = await c.ok("spawn_run", {
      backend: "openai_compatible",
      prompt: "2+2?",
      backend_config: { base_url: `${fakeRoot()}/v1`, model },
    });
    expect((await c.ok("get_run", { run_id: run.run_id })).placement).toBe("edge");
    await expectEnd(c, run.run_id, status);
  });

  it("runner-relayed codex, claude_code and openai_compatible: completed and failed, status change last", async () => {
    const c = await connect("test-token-globex");
    const runner = await ScriptedRunner.connect({
      token: "runner-token-globex",
      name: "end-order",
      backends: ["codex", "claude_code", "openai_compatible"],
      maxRuns: 6,
    });
    await runner.next("runner.welcome");
    const specs = [
      { backend: "codex", cwd: "/w" },
      { backend: "claude_code", cwd: "/w" },
      // A private endpoint: a runner on that network takes it, not the edge.
      { backend: "openai_compatible", backend_config: { base_url: "http://192.168.9.9/v1", model: "m" } },
    ];
    for (const spec of specs) {
      for (const status of ["completed", "failed"] as const) {
        const run = await c.ok("spawn_run", {
          prompt: "go",
          ...spec,
          backend_config: { ...spec.backend_config, runner: "end-order" },
        });
        await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
        runner.outputs(run.run_id, 1, [
          { type: "run_started", data: {} },
          { type: "agent_message", data: { text: "working" } },
          { type: "usage", data: { input_tokens: 2, output_tokens: 1 } },
          status === "completed"
            ? { type: "run_completed", data: { final_response: "working" } }
            : { type: "run_failed", data: { error: { code: "backend_failed", message: "it broke" } } },
        ]);
        await expectEnd(c, run.run_id, status);
      }
    }
    runner.close();
  });

  it("a cancelled run ends with its status change, and a stopped one with run_failed then the change", async () => {
    const c = await connect();
    const cancelled = await spawnA2aRun(c, "slow");
    await c.ok("poll_events", { run_id: cancelled.run_id, after_seq: 2, wait_ms: 10_000 });
    await c.ok("cancel_run", { run_id: cancelled.run_id });
    const events = await drainEvents(c, cancelled.run_id);
    expect(events.at(-1)).toMatchObject({ type: "status_changed", data: { to: "cancelled" } });

    const timedOut = await spawnA2aRun(c, "slow", { timeout_s: 1 });
    await expectEnd(c, timedOut.run_id, "failed");
  });
});
