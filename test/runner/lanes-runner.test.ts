// The runner serving lanes over a real WebSocket (FakeHub) with real git: `--lanes` in the hello, a
// lane run in its worktree, its changes and test gate reported before its ending event, two lanes
// on one file apart, land and reclaim answered by lane.reply, and lanes refused without `--lanes`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DIFF_ARTIFACT_ID,
  TEST_OUTPUT_ARTIFACT_ID,
  type LaneWorkspace,
} from "../../shared/lanes/lane-work.ts";
import type { RunnerFrame, WorkerFrame } from "../../shared/protocol/frames.ts";
import { FakeHub, type Item } from "./support/fake-hub.ts";
import { laneOf, makeRepo, treePath, type TestRepo } from "./support/git-repo.ts";
import { dispatch, runnerFor, type TestRunner } from "./support/runner.ts";

let hub: FakeHub;
let runner: TestRunner;
let repo: TestRepo;
beforeEach(async () => {
  repo = await makeRepo({ "README.md": "hello\n" });
  hub = await FakeHub.start();
});
afterEach(async () => {
  await runner?.handle.stop();
  await hub.stop();
  await repo.remove();
});

const start = async (lanes = true) => {
  runner = await runnerFor(hub, { roots: [repo.root], lanes });
  await runner.printed("connected");
};
const laneRun = (runId: string, text: string, lane: LaneWorkspace) =>
  hub.send(dispatch(runId, text, { lane, role: "implementer", cwd: undefined }));
const events = (runId: string) =>
  hub.items(runId).flatMap((i: Item) => (i.output.kind === "event" ? [i.output.event] : []));
const types = (runId: string) => events(runId).map((e) => e.type);
const dataOf = (runId: string, type: string) =>
  events(runId)
    .filter((e) => e.type === type)
    .map((e) => e.data);
type Reply = Extract<RunnerFrame, { type: "lane.reply" }>;
async function request(
  frame: Extract<WorkerFrame, { type: "lane.land" | "lane.reclaim" }>,
): Promise<Reply["result"]> {
  const replyOf = () =>
    hub.current.frames.find((f): f is Reply => f.type === "lane.reply" && f.request_id === frame.request_id);
  hub.send(frame);
  await hub.waitFor(() => replyOf() !== undefined, `the reply to ${frame.request_id}`, 15_000);
  return replyOf()!.result;
}

describe("a runner serving lanes", () => {
  it("announces lanes: true in its hello", async () => {
    await start();
    expect(hub.current.frames[0]).toMatchObject({
      type: "runner.hello",
      labels: { os: "linux", lanes: "true" },
    });
  });

  it("runs a lane run in the lane's worktree and reports commit, files, diff and test result before the ending", async () => {
    await start();
    const lane = laneOf(repo, "lane-1", { test_command: "grep -q changed README.md" });
    laneRun("run-1", "write README.md=changed\n", lane);
    await runner.printed("run run-1 completed");
    await hub.waitFor(() => types("run-1").includes("run_completed"), "the ending");

    expect(runner.agent.turns[0]!.cwd).toBe(treePath(repo, "lane-1"));
    expect(types("run-1")).toEqual([
      "run_started",
      "agent_message",
      "file_changed",
      "artifact_added",
      "lane_changes",
      "artifact_added",
      "tests_finished",
      "run_completed",
    ]);
    const commit = repo.git(["rev-parse", "switchyard/lane-1"]);
    expect(commit).not.toBe(repo.git(["rev-parse", "main"]));
    expect(repo.git(["log", "-1", "--format=%s", commit])).toBe("implementer: done: write README.md=changed");
    expect(repo.git(["log", "-1", "--format=%b", commit])).toContain("Switchyard-Run: run-1");
    expect(dataOf("run-1", "file_changed")).toEqual([
      { path: "README.md", change: "modified", insertions: 1, deletions: 1 },
    ]);
    expect(dataOf("run-1", "lane_changes")).toEqual([
      {
        commit,
        files_changed: 1,
        insertions: 1,
        deletions: 1,
        diff_artifact: DIFF_ARTIFACT_ID,
        files: [{ path: "README.md", change: "modified", insertions: 1, deletions: 1 }],
      },
    ]);
    expect(dataOf("run-1", "artifact_added").map((a) => a.artifact_id)).toEqual([
      DIFF_ARTIFACT_ID,
      TEST_OUTPUT_ARTIFACT_ID,
    ]);
    expect(dataOf("run-1", "artifact_added")[0]!.text).toContain("+changed");
    expect(dataOf("run-1", "tests_finished")).toEqual([
      expect.objectContaining({ command: lane.test_command, exit_code: 0, passed: true, timed_out: false }),
    ]);
    // The repository itself is untouched until the lane lands.
    expect(readFileSync(join(repo.repo, "README.md"), "utf8")).toBe("hello\n");
  });

  it("fails the test gate on one run and passes it on the next run of the same lane, in the same tree", async () => {
    await start();
    const lane = laneOf(repo, "gated", { test_command: "test -f fixed.txt" });
    laneRun("run-a", "write broken.txt=still broken", lane);
    await runner.printed("run run-a completed");
    laneRun("run-b", "write fixed.txt=now fixed", lane);
    await runner.printed("run run-b completed");
    await hub.waitFor(() => types("run-b").includes("run_completed"), "the second ending");
    expect(dataOf("run-a", "tests_finished")).toEqual([
      expect.objectContaining({ exit_code: 1, passed: false }),
    ]);
    expect(dataOf("run-b", "tests_finished")).toEqual([
      expect.objectContaining({ exit_code: 0, passed: true }),
    ]);
    // The second run's changes are its own: the first one's file was committed by the first run.
    expect(dataOf("run-b", "file_changed")).toEqual([
      { path: "fixed.txt", change: "added", insertions: 1, deletions: 0 },
    ]);
    expect(runner.agent.turns.map((t) => t.cwd)).toEqual([treePath(repo, "gated"), treePath(repo, "gated")]);
    expect(repo.git(["rev-list", "--count", "main..switchyard/gated"])).toBe("2");
  });

  it("records each turn of a continued lane run as its own commit", async () => {
    await start();
    const lane = laneOf(repo, "turns");
    laneRun("run-t", "write one.txt=first turn", lane);
    await runner.printed("run run-t completed");
    hub.send({
      type: "run.continue",
      run_id: "run-t",
      message: { role: "user", parts: [{ kind: "text", text: "write two.txt=second turn" }] },
    });
    await hub.waitFor(() => dataOf("run-t", "lane_changes").length === 2, "the second turn's changes");
    const [first, second] = dataOf("run-t", "lane_changes") as {
      commit: string;
      files: { path: string }[];
    }[];
    expect(first!.files.map((f) => f.path)).toEqual(["one.txt"]);
    expect(second!.files.map((f) => f.path)).toEqual(["two.txt"]);
    expect(repo.git(["rev-parse", `${second!.commit}^`])).toBe(first!.commit);
    expect(types("run-t").filter((t) => t === "run_completed")).toHaveLength(2);
    expect(types("run-t").at(-1)).toBe("run_completed");
  });

  it("records nothing for a cancelled lane run and leaves its tree for the next run", async () => {
    await start();
    const lane = laneOf(repo, "cancelled");
    laneRun("run-h", "hang", lane);
    await runner.agent.changes.until(() => runner.agent.turns.length === 1, "the turn");
    hub.send({ type: "run.cancel", run_id: "run-h" });
    await runner.printed("run run-h cancelled");
    expect(types("run-h")).not.toContain("lane_changes");
    expect(repo.git(["rev-parse", lane.branch])).toBe(repo.git(["rev-parse", "main"]));
    expect(repo.git(["worktree", "list"]).split("\n")).toHaveLength(2);
  });

  it("keeps two lanes editing the same file at once apart, each on its own branch", async () => {
    await start();
    laneRun("run-x", "write README.md=from lane x\n", laneOf(repo, "x"));
    laneRun("run-y", "write README.md=from lane y\n", laneOf(repo, "y"));
    await runner.printed("run run-x completed");
    await runner.printed("run run-y completed");
    expect(repo.git(["show", "switchyard/x:README.md"])).toBe("from lane x");
    expect(repo.git(["show", "switchyard/y:README.md"])).toBe("from lane y");
    expect(readFileSync(join(treePath(repo, "x"), "README.md"), "utf8")).toBe("from lane x\n");
    expect(readFileSync(join(treePath(repo, "y"), "README.md"), "utf8")).toBe("from lane y\n");
    expect(repo.git(["show", "main:README.md"])).toBe("hello");
  });

  it("lands a lane by fast-forward, refuses the conflicting second lane naming the file, and reclaims it", async () => {
    await start();
    const x = laneOf(repo, "x");
    const y = laneOf(repo, "y");
    laneRun("run-x", "write README.md=from lane x\n", x);
    laneRun("run-y", "write README.md=from lane y\n", y);
    await runner.printed("run run-x completed");
    await runner.printed("run run-y completed");

    const landed = await request({
      type: "lane.land",
      request_id: "req-1",
      lane: x,
      strategy: "fast_forward_or_merge",
      remove_worktree: true,
    });
    expect(landed).toEqual({
      ok: true,
      commit: repo.git(["rev-parse", "switchyard/x"]),
      strategy: "fast_forward",
      worktree_removed: true,
    });
    expect(repo.git(["rev-parse", "main"])).toBe(repo.git(["rev-parse", "switchyard/x"]));
    const head = repo.git(["rev-parse", "main"]);

    const refused = await request({
      type: "lane.land",
      request_id: "req-2",
      lane: y,
      strategy: "fast_forward_or_merge",
      remove_worktree: true,
    });
    expect(refused).toMatchObject({ ok: false, code: "conflict", conflicts: ["README.md"] });
    expect(repo.git(["rev-parse", "main"])).toBe(head);
    expect(repo.git(["status", "--porcelain"])).toBe("");

    const reclaimed = await request({ type: "lane.reclaim", request_id: "req-3", lane: y });
    expect(reclaimed).toEqual({ worktree_removed: true, branch_deleted: true });
    expect(repo.git(["branch", "--list", "switchyard/y"])).toBe("");
    expect(runner.lines).toContain("lane y: not landed: conflict");
  });
});

describe("a runner not serving lanes", () => {
  it("says no lanes label, refuses a lane run naming --lanes, and answers land and reclaim with not served", async () => {
    await start(false);
    expect((hub.current.frames[0] as { labels: Record<string, string> }).labels).toEqual({ os: "linux" });
    const lane = laneOf(repo, "nope");
    laneRun("run-n", "write README.md=never", lane);
    await hub.waitFor(() => hub.refusals().length === 1, "the refusal");
    expect(hub.refusals()[0]).toMatchObject({ run_id: "run-n", code: "bad_request" });
    expect(hub.refusals()[0]!.reason).toContain("connect --lanes");
    expect(runner.agent.turns).toHaveLength(0);
    const land = await request({
      type: "lane.land",
      request_id: "req-n",
      lane,
      strategy: "merge",
      remove_worktree: false,
    });
    expect(land).toMatchObject({ ok: false, code: "not_found" });
    const reclaim = await request({ type: "lane.reclaim", request_id: "req-r", lane });
    expect(reclaim).toMatchObject({ worktree_removed: false, branch_deleted: false });
    expect(repo.git(["worktree", "list"]).split("\n")).toHaveLength(1);
  });

  it("refuses a lane whose repository lies outside its roots with cwd_outside_roots", async () => {
    await start();
    const other = await makeRepo();
    try {
      laneRun("run-o", "write README.md=never", laneOf(other, "out"));
      await hub.waitFor(() => hub.refusals().length === 1, "the refusal");
      expect(hub.refusals()[0]).toMatchObject({ run_id: "run-o", code: "cwd_outside_roots" });
      expect(hub.refusals()[0]!.reason).toContain("lane.repo");
    } finally {
      await other.remove();
    }
  });
});
