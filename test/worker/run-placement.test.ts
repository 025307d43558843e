// get_run says where a run runs: placement edge or runner, and the name of the runner holding it
// (null at the edge and until a runner takes the run), kept after the run ends.
import { describe, expect, it } from "vitest";
import { connect, drainEvents, spawnA2aRun, waitForStatus } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

describe("get_run placement and runner", () => {
  it("an edge run: placement edge, no runner", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "streaming");
    await drainEvents(c, run.run_id);
    expect(await c.ok("get_run", { run_id: run.run_id })).toMatchObject({
      status: "completed",
      placement: "edge",
      runner: null,
    });
  });

  it("a runner run: no runner while queued, the runner's name once dispatched and after it ends", async () => {
    const c = await connect("test-token-globex");
    // claude_code, which no other test of this tenant's runners declares, so it waits for ours.
    const run = await c.ok("spawn_run", { backend: "claude_code", prompt: "go", cwd: "/w" });
    const queued = await c.ok("get_run", { run_id: run.run_id });
    expect(queued).toMatchObject({ status: "queued", placement: "runner", runner: null });

    const runner = await ScriptedRunner.connect({
      token: "runner-token-globex",
      name: "placed-here",
      backends: ["claude_code"],
    });
    await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    const dispatched = await c.ok("get_run", { run_id: run.run_id });
    expect(dispatched).toMatchObject({ status: "queued", placement: "runner", runner: "placed-here" });

    runner.outputs(run.run_id, 1, [
      { type: "run_started", data: {} },
      { type: "run_completed", data: { final_response: "done" } },
    ]);
    const done = await waitForStatus(c, run.run_id, ["completed"]);
    expect(done).toMatchObject({ placement: "runner", runner: "placed-here" });
    runner.close();
  });

  it("a run a runner refuses for want of a slot waits again with no runner", async () => {
    const c = await connect("test-token-globex");
    const runner = await ScriptedRunner.connect({
      token: "runner-token-globex",
      name: "refuses-once",
      backends: ["codex"],
      labels: { pool: "refuses-once" },
    });
    await runner.next("runner.welcome");
    const run = await c.ok("spawn_run", {
      backend: "codex",
      prompt: "go",
      cwd: "/w",
      backend_config: { runner_labels: { pool: "refuses-once" } },
    });
    await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    expect((await c.ok("get_run", { run_id: run.run_id })).runner).toBe("refuses-once");
    runner.send({ type: "run.refused", run_id: run.run_id, code: "no_free_slot", reason: "still busy" });
    // The refusal reaches the run through the tenant's socket; read until it has.
    let waiting = await c.ok("get_run", { run_id: run.run_id });
    for (let i = 0; i < 200 && !/still busy/.test(waiting.status_reason ?? ""); i++)
      waiting = await c.ok("get_run", { run_id: run.run_id });
    expect(waiting).toMatchObject({ status: "queued", placement: "runner", runner: null });
    expect(waiting.status_reason).toMatch(/still busy/);
    runner.close();
  });
});
