// The runner's lifecycle: cancel from the Worker, holding runs across a reconnect, a clean stop
// (runs cancelled, the Worker told, acknowledgements awaited), fatal closes, and what its hello
// claims about its name (instance, replace) across reconnects.
import { realpathSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { isAlive } from "../../runner/agents/process-reaper.ts";
import type { HelloFrame } from "../../runner/link/dialer.ts";
import { CLOSE_CODES } from "../../shared/protocol/frames.ts";
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

  it("ends after one try, with exit code 1 and a hint, when its name is held by a live connection", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.close(CLOSE_CODES.name_in_use.code, 'runner "test-runner" is connected already (heard 2 s ago)');
    expect(await runner.handle.done).toBe(1);
    expect(runner.lines).toContain(
      "stopping: another runner with this name is connected; pick another --name, or connect --replace to take over " +
        '(close 4423: runner "test-runner" is connected already (heard 2 s ago))',
    );
    expect(hub.connections).toHaveLength(1);
  });

  it("reports its roots, keeps its instance across reconnects, and asks to replace only at first", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub, { replace: true, roots: [`${process.cwd()}/./`] });
    await runner.printed("connected");
    hub.cut();
    await hub.waitFor(() => hub.connections.length === 2 && hub.current.frames.length > 0, "a second hello");
    const [first, second] = hub.connections.map((c) => c.frames[0] as HelloFrame);
    expect(first).toMatchObject({ type: "runner.hello", replace: true });
    expect(first!.roots).toEqual([...new Set([process.cwd(), realpathSync(process.cwd())])]);
    expect(second).toMatchObject({ type: "runner.hello", replace: false, instance: first!.instance });
  });
});
