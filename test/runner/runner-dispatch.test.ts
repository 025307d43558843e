// The runner takes dispatched runs: drives the agent, numbers outputs per run (from acked_seq),
// relays events, refs and checkpoints, refuses what it cannot or may not run, continues.
import { realpathSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../shared/protocol/frames.ts";
import { FakeHub, type Item } from "./support/fake-hub.ts";
import { range, seqs } from "./support/link.ts";
import { dispatch, runnerFor, type TestRunner } from "./support/runner.ts";

let hub: FakeHub;
let runner: TestRunner;
afterEach(async () => {
  await runner?.handle.stop();
  await hub?.stop();
});

const cwd = realpathSync(process.cwd());
const kinds = (items: Item[]) =>
  items.map((i) => (i.output.kind === "event" ? i.output.event.type : i.output.kind));

describe("dispatch", () => {
  it("says hello with its name, labels, slots and probed backends", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed(`connected to ${hub.url} as test-runner (2 slots)`);
    expect(hub.current.frames[0]).toEqual({
      type: "runner.hello",
      protocol: PROTOCOL_VERSION,
      name: "test-runner",
      version: "0.1.0",
      labels: { os: "linux" },
      max_runs: 2,
      backends: [
        { backend: "codex", installed: true, credentials: "configured" },
        { backend: "claude_code", installed: false, credentials: "missing" },
      ],
      roots: [process.cwd()],
      instance: expect.stringMatching(/^[0-9a-f-]{36}$/),
      replace: false,
      active_runs: [],
    });
  });

  it("relays a run's outputs numbered from 1, checkpoints included", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "complete"));
    await runner.printed("run run-1 completed");
    await hub.waitFor(() => hub.items("run-1").length === 5, "5 items");
    expect(seqs(hub.items("run-1"))).toEqual([1, 2, 3, 4, 5]);
    expect(kinds(hub.items("run-1"))).toEqual([
      "run_started",
      "checkpoint",
      "ref",
      "agent_message",
      "run_completed",
    ]);
    expect(runner.lines).toContain("run run-1 completed (3 events)");
    expect(runner.lines).toContain(`run run-1 started (codex in ${cwd})`);
    expect(runner.agent.turns[0]).toMatchObject({ kind: "start", text: "complete", cwd });
  });

  it("numbers a re-dispatched run on from acked_seq", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "complete", { acked_seq: 7 }));
    await hub.waitFor(() => hub.items("run-1").length === 5, "5 items");
    expect(seqs(hub.items("run-1"))).toEqual(range(8, 12));
  });

  it("continues a run whose turn ended, with the ref the agent reported, numbering on", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "complete"));
    await runner.printed("run run-1 completed");
    hub.send({
      type: "run.continue",
      run_id: "run-1",
      message: { role: "user", parts: [{ kind: "text", text: "again" }] },
    });
    await hub.waitFor(() => hub.items("run-1").length === 9, "9 items");
    expect(runner.agent.turns[1]).toMatchObject({
      kind: "continue",
      text: "again",
      ref: { thread_id: "thread-1" },
    });
    expect(seqs(hub.items("run-1"))).toEqual(range(1, 9));
    expect(kinds(hub.items("run-1")).slice(5)).toEqual([
      "checkpoint",
      "ref",
      "agent_message",
      "run_completed",
    ]);
  });

  it("fails the run when the agent throws", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "throw"));
    await runner.printed("run run-1 failed");
    await hub.waitFor(() => hub.items("run-1").length === 4, "4 items");
    expect(hub.items("run-1")[3]!.output).toEqual({
      kind: "event",
      event: { type: "run_failed", data: { error: { code: "backend_failed", message: "the agent broke" } } },
    });
  });

  it("ends the turn on a rejection like on any terminal event, adding no failure of its own", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "reject"));
    await runner.printed("run run-1 rejected");
    // A run relayed after it is the barrier: one more output of run-1 would be a run_failed the
    // runner made up.
    hub.send(dispatch("run-2", "complete"));
    await runner.printed("run run-2 completed");
    await hub.waitFor(() => hub.items("run-2").length === 5, "5 items of run-2");
    expect(kinds(hub.items("run-1"))).toEqual(["run_started", "checkpoint", "ref", "rejected"]);
    expect(runner.lines).toContain("run run-1 rejected (2 events)");
  });
});

describe("refusals", () => {
  it("refuses a cwd outside its roots", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "complete", { cwd: "/" }));
    await hub.waitFor(() => hub.refusals().length === 1, "a refusal");
    expect(runner.lines).toContain(`refused run run-1: cwd / is outside roots ${cwd}`);
    expect(hub.refusals()).toEqual([
      {
        type: "run.refused",
        run_id: "run-1",
        code: "cwd_outside_roots",
        reason: `cwd / is outside roots ${cwd}`,
      },
    ]);
    expect(runner.agent.turns).toEqual([]);
  });

  it("refuses a backend that is not installed here", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub);
    await runner.printed("connected");
    hub.send(dispatch("run-1", "complete", { backend: "claude_code" }));
    await hub.waitFor(() => hub.refusals().length === 1, "a refusal");
    expect(hub.refusals()[0]).toMatchObject({ code: "backend_unavailable" });
  });

  it("refuses a run beyond max_runs", async () => {
    hub = await FakeHub.start();
    runner = await runnerFor(hub, { maxRuns: 2 });
    await runner.printed("connected");
    hub.send(dispatch("run-1", "hang"));
    hub.send(dispatch("run-2", "hang"));
    hub.send(dispatch("run-3", "hang"));
    await hub.waitFor(() => hub.refusals().length === 1, "a refusal");
    expect(hub.refusals()[0]).toMatchObject({ run_id: "run-3", code: "no_free_slot" });
    await runner.agent.changes.until(() => runner.agent.turns.length === 2, "two turns");
    expect(runner.agent.turns.map((t) => t.text)).toEqual(["hang", "hang"]);
  });
});
