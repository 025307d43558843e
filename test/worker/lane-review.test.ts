// Review and remediation in a repo lane, with the test as the runner and a real A2A reviewer: the
// reviewer is sent the run's commit, stat, diff and test result (a long diff as the artifact to
// read instead); a failing test gate or a fail verdict continues the worker's session with the
// failing output or the findings; each cycle is kept on the lane, which is ready once both pass.
import { describe, expect, it } from "vitest";
import type { DispatchFrame } from "../../shared/protocol/frames.ts";
import { agentUrl, connect, type TestClient } from "./support/mcp.ts";
import type { ScriptedRunner } from "./support/scripted-runner.ts";
import { enqueue, lanesRunner, promptOf, repoLane, uid, untilLane } from "./support/lanes.ts";

/** A text as the runner sends an artifact: chunks of 12 KiB (ASCII here), all but the first appended. */
function artifact(artifact_id: string, text: string) {
  const chunks = text.match(/[\s\S]{1,12288}/g) ?? [""];
  return chunks.map((chunk, i) => ({
    type: "artifact_added",
    data: { artifact_id, text: chunk, parts: [{ kind: "text", text: chunk }], append: i > 0 },
  }));
}

/** The lane events of a turn that changed shared.txt (with `diff` as its patch) and ran the gate. */
function laneTurn(diff: string, tests: { passed: boolean; output: string } | null) {
  const events: { type: string; data: Record<string, unknown> }[] = [
    ...artifact("lane-diff", diff),
    {
      type: "lane_changes",
      data: {
        commit: `c${uid()}`,
        files_changed: 1,
        insertions: 3,
        deletions: 1,
        diff_artifact: "lane-diff",
        files: [{ path: "shared.txt", change: "modified", insertions: 3, deletions: 1 }],
      },
    },
  ];
  if (tests)
    events.push(...artifact("lane-test-output", tests.output), {
      type: "tests_finished",
      data: {
        command: "npm test",
        exit_code: tests.passed ? 0 : 1,
        passed: tests.passed,
        timed_out: false,
        duration_ms: 1200,
        output_artifact: "lane-test-output",
      },
    });
  return events;
}

/** Plays a whole lane turn of `dispatch` on the runner. */
function play(
  runner: ScriptedRunner,
  dispatch: DispatchFrame,
  text: string,
  events: ReturnType<typeof laneTurn>,
) {
  runner.outputs(dispatch.run_id, dispatch.acked_seq + 1, [
    { type: "run_started", data: {} },
    { type: "agent_message", data: { text } },
    ...events,
    { type: "run_completed", data: { final_response: text } },
  ]);
}

/** What the reviewer agent was sent about `runId`. */
async function reviewerPrompts(agent: "reviewer" | "harshReviewer", runId: string): Promise<string[]> {
  const received = (await (await fetch(`${agentUrl(agent)}/__received`)).json()) as {
    messages: { text: string }[];
  };
  return received.messages.map((m) => m.text).filter((t) => t.includes(`run ${runId} `));
}

async function reviewedLane(c: TestClient, agent: "reviewer" | "harshReviewer", maxCycles: number) {
  const { lane_id, pool } = await repoLane(c, {
    test_command: "npm test",
    review: { backend: "remote_a2a", backend_config: { agent_url: agentUrl(agent) }, max_cycles: maxCycles },
  });
  const runner = await lanesRunner(`rev-${uid()}`, pool);
  await enqueue(c, lane_id, "change shared.txt");
  return { lane_id, runner };
}

describe("review in a repo lane", () => {
  it("reviewer sees the diff and tests; a fail and a failing gate each continue the session; both passing make it ready", async () => {
    const c = await connect();
    const { lane_id, runner } = await reviewedLane(c, "reviewer", 3);

    // Cycle 1: tests pass, the reviewer (fails cycle 1) is sent the diff and the test result.
    const d1 = await runner.next("run.dispatch");
    play(
      runner,
      d1,
      "first try",
      laneTurn("@@ -1 +1,3 @@\n-old\n+MARKER-DIFF-ONE\n", { passed: true, output: "ok" }),
    );
    const d2 = await runner.next("run.dispatch");
    const [sent] = await reviewerPrompts("reviewer", d1.run_id);
    expect(sent).toContain("MARKER-DIFF-ONE");
    expect(sent).toContain("shared.txt | modified +3 -1");
    expect(sent).toContain("Test gate `npm test` passed");
    expect(sent).toContain("first try");
    // The remediation continues the worker's session in the same lane with the findings.
    const first = await c.ok("get_run", { run_id: d1.run_id });
    const second = await c.ok("get_run", { run_id: d2.run_id });
    expect(second).toMatchObject({ session_id: first.session_id, parent_run_id: d1.run_id, lane_id });
    expect(d2.lane).toEqual(d1.lane);
    expect(promptOf(d2)).toContain("off-by-one in the loop");

    // Cycle 2: the gate fails; no reviewer, the worker is continued with the failing output.
    play(
      runner,
      d2,
      "fixed the loop",
      laneTurn("+MARKER-DIFF-TWO\n", { passed: false, output: "FAIL loop.test: expected 2, got 3" }),
    );
    const d3 = await runner.next("run.dispatch");
    expect(promptOf(d3)).toContain("test gate failed");
    expect(promptOf(d3)).toContain("FAIL loop.test: expected 2, got 3");
    expect(promptOf(d3)).toContain("failed with exit code 1");
    expect(await reviewerPrompts("reviewer", d2.run_id)).toEqual([]);

    // Cycle 3: tests pass, the reviewer passes: the lane is ready to land.
    play(runner, d3, "tests fixed", laneTurn("+MARKER-DIFF-THREE\n", { passed: true, output: "ok" }));
    const ready = await untilLane(c, lane_id, (a) => a.lane.status === "review");
    expect(ready.cycles.map((x: any) => [x.cycle, x.tests_passed, x.verdict, x.next])).toEqual([
      [1, true, "fail", "remediation"],
      [2, false, null, "remediation"],
      [3, true, "pass", "ready"],
    ]);
    expect(ready.cycles.map((x: any) => x.worker_run_id)).toEqual([d1.run_id, d2.run_id, d3.run_id]);
    expect(ready.cycles[1].next_run_id).toBe(d3.run_id);
    expect(ready.reviews.map((r: any) => r.verdict)).toEqual(["fail", "pass"]);
    expect(ready.open_findings).toEqual([]);
    expect((await reviewerPrompts("reviewer", d3.run_id))[0]).toContain("MARKER-DIFF-THREE");
  });

  it("a diff past 32 KB goes to the reviewer as its stat and the artifact to read", async () => {
    const c = await connect();
    const { lane_id, runner } = await reviewedLane(c, "harshReviewer", 1);
    const d1 = await runner.next("run.dispatch");
    const big = `+${"x".repeat(200)}\n`.repeat(200) + "MARKER-TAIL\n";
    play(runner, d1, "big change", laneTurn(big, { passed: true, output: "ok" }));
    const done = await untilLane(c, lane_id, (a) => a.cycles[0]?.verdict === "fail");
    const [sent] = await reviewerPrompts("harshReviewer", d1.run_id);
    expect(sent).toContain("shared.txt | modified +3 -1");
    expect(sent).toContain(`get_event_artifact {"run_id": "${d1.run_id}", "artifact_id": "lane-diff"}`);
    expect(sent).not.toContain("MARKER-TAIL");
    // Out of cycles with a fail: stopped, not ready.
    expect(done.cycles).toMatchObject([{ cycle: 1, verdict: "fail", next: "stopped" }]);
    expect(done.lane.status).toBe("active");
    // The artifact the prompt names holds the whole diff.
    const page = await c.ok("get_event_artifact", {
      run_id: d1.run_id,
      artifact_id: "lane-diff",
      limit: 262_144,
    });
    expect(page.total_bytes).toBe(new TextEncoder().encode(big).length);
    expect(page.text.endsWith("MARKER-TAIL\n")).toBe(true);
  });

  it("a failing gate out of cycles stops the lane short of review, without a reviewer", async () => {
    const c = await connect();
    const { lane_id, runner } = await reviewedLane(c, "reviewer", 1);
    const d1 = await runner.next("run.dispatch");
    play(runner, d1, "broke it", laneTurn("+x\n", { passed: false, output: "FAIL" }));
    const done = await untilLane(c, lane_id, (a) => a.cycles.length === 1 && a.current_run_id === null);
    expect(done.cycles).toMatchObject([
      { cycle: 1, tests_passed: false, next: "stopped", next_run_id: null },
    ]);
    expect(done.lane.status).toBe("active");
    expect(await reviewerPrompts("reviewer", d1.run_id)).toEqual([]);
    expect((await c.ok("list_runs", { lane_id })).runs).toHaveLength(1);
  });

  it("a reviewer on a runner works in the lane's worktree on its holder, without running the gate again", async () => {
    const c = await connect();
    const { lane_id, pool } = await repoLane(c, {
      test_command: "npm test",
      review: { backend: "codex", max_cycles: 1 },
    });
    const runner = await lanesRunner(`rev-${uid()}`, pool);
    await enqueue(c, lane_id, "change shared.txt");
    const d1 = await runner.next("run.dispatch");
    play(runner, d1, "changed", laneTurn("+MARKER-DIFF\n", { passed: true, output: "ok" }));
    const review = await runner.next("run.dispatch");
    expect(review.role).toBe("reviewer");
    expect(promptOf(review)).toContain("MARKER-DIFF");
    const { test_command, ...rest } = d1.lane!;
    expect(test_command).toBe("npm test");
    expect(review.lane).toEqual(rest);
  });
});
