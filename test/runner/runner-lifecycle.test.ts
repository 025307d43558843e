// The runner's lifecycle: cancel from the Worker, holding runs across a reconnect, a clean stop
// (runs cancelled, the Worker told, acknowledgements awaited), and a fatal close.
import { afterEach, describe, expect, it } from "vitest";
import { isAlive } from "../../runner/agents/process-reaper.ts";
import { FakeHub } from "./support/fake-hub.ts";
import { dispatch, runnerFor, type TestRunner } from "./support/runner.ts";

let hub: FakeHub;
let runner: TestRunner;
afterEach(async () => {
  await runner?.handle.stop();
  await hub?.stop();
});

const lastEvent = (runId: string) => {
  const output = hub.items(runId).at(-1)?.output;
  return output?.kind === "event" ? output.event : undefined;
};

describe("runner lifecycle", () => {
  it("cancels a run on run.cancel: the agent is aborted and no terminal event is sent", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "hang"));
    await hub.waitFor(() => hub.items("run-1").length === 4, "the run working");
    hub.send({ type: "run.cancel", run_id: "run-1" });
    await runner.printed("run run-1 cancelled");
    expect(runner.agent.aborted).toBe(1);
    expect(lastEvent("run-1")).toMatchObject({ type: "agent_message" });
  });

  it("ends what an agent left running when its run ends, and says so before the end line", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "leave"));
    await runner.printed("run run-1 completed");
    expect(runner.lines.slice(-2)).toEqual([
      "run run-1: ended 1 processes its agent left running",
      "run run-1 completed (3 events)",
    ]);
    expect(await isAlive(runner.agent.left[0]!)).toBe(false);
  });

  it("lists the runs it holds in the hello after a reconnect", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "hang"));
    await hub.waitFor(() => hub.items("run-1").length === 4, "the run working");
    hub.cut();
    await hub.waitFor(() => hub.connections.length === 2 && hub.current.frames.length > 0, "a second hello");
    expect(hub.current.frames[0]).toMatchObject({ type: "runner.hello", active_runs: ["run-1"] });
    await runner.printed("link lost (close 1006");
  });

  it("stops cleanly: cancels runs, tells the Worker why, waits for the acks, exits 0", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "hang"));
    await hub.waitFor(() => hub.items("run-1").length === 4, "the run working");
    const first = hub.current;
    expect(await runner.handle.stop("SIGTERM")).toBe(0);
    expect(runner.agent.aborted).toBe(1);
    expect(lastEvent("run-1")).toEqual({
      type: "run_failed",
      data: {
        error: {
          code: "runner_unavailable",
          message: 'runner "test-runner" stopped (SIGTERM); the run was cancelled',
        },
      },
    });
    expect(runner.lines.slice(-2)).toEqual(["run run-1 cancelled (2 events)", "stopped: cancelled 1 runs"]);
    await hub.waitFor(() => first.socket.readyState === first.socket.CLOSED, "the link closed");
    expect(hub.connections).toHaveLength(1);
  });

  it("ends with exit code 1 and a hint when the token is refused", async () => {
    hub = await FakeHub.start({ token: "another-token" });
    runner = await runnerFor(hub);
    expect(await runner.handle.done).toBe(1);
    expect(runner.lines[0]).toBe(
      "stopping: the Worker refused the runner token; check --token or SWITCHYARD_RUNNER_TOKEN (close 4401: unknown runner token)",
    );
  });
});
