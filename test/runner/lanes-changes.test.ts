// What a lane run changed, recorded with real git: the commit on the lane branch (message from run
// id, role and answer), file_changed events, the diff artifact in chunks, and lane_changes; nothing
// when nothing changed; `leave` reports without committing. The runner's git runs no hooks.
import { existsSync } from "node:fs";
import { chmod, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BackendOutput } from "../../shared/backends/backend.ts";
import { DIFF_ARTIFACT_ID, type LaneWorkspace } from "../../shared/lanes/lane-work.ts";
import { recordChanges } from "../../runner/lanes/changes.ts";
import type { LaneTree } from "../../runner/lanes/worktree.ts";
import { eventsOf } from "./support/agent-harness.ts";
import { makeRepo, openedLane, type TestRepo } from "./support/git-repo.ts";

let repo: TestRepo;
let lane: LaneWorkspace;
let tree: LaneTree;
beforeEach(async () => {
  repo = await makeRepo({ "README.md": "hello\n", "old.txt": "one\ntwo\nthree\n", "gone.txt": "bye\n" });
  ({ lane, tree } = await openedLane(repo, "lane-c"));
});
afterEach(async () => {
  await repo.remove();
});

const head = () => repo.git(["rev-parse", "HEAD"], tree.path);
const turn = (start: string, answer = "Renamed the greeting.\nAnd more detail.") => ({
  runId: "run-7",
  role: "worker",
  answer,
  start,
});
const dataOf = (outputs: BackendOutput[], type: string) =>
  eventsOf(outputs)
    .filter((e) => e.type === type)
    .map((e) => e.data);
/** The diff artifact's text as the Worker joins it: chunks in order, `append` after the first. */
const joinedDiff = (outputs: BackendOutput[]) => {
  const chunks = dataOf(outputs, "artifact_added");
  expect(chunks.every((c) => c.artifact_id === DIFF_ARTIFACT_ID)).toBe(true);
  expect(chunks.map((c) => c.append)).toEqual(chunks.map((_, i) => i > 0));
  expect(chunks.map((c) => c.last_chunk)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
  return chunks.map((c) => c.text as string).join("");
};

describe("recording a lane run's changes", () => {
  it("commits everything on the lane branch and reports each file, the diff and the totals", async () => {
    const start = head();
    await repo.write({ "README.md": "hello world\n", "new/file.txt": "a\nb\n" }, tree.path);
    await rm(join(tree.path, "gone.txt"));
    const { changes, outputs } = await recordChanges(tree, lane, turn(start));

    expect(changes.commit).toBe(head());
    expect(changes.commit).not.toBe(start);
    expect(repo.git(["rev-parse", "switchyard/lane-c"])).toBe(changes.commit);
    expect(repo.git(["log", "-1", "--format=%s", "switchyard/lane-c"])).toBe("worker: Renamed the greeting.");
    const body = repo.git(["log", "-1", "--format=%b", "switchyard/lane-c"]);
    expect(body).toContain("And more detail.");
    expect(body).toContain("Switchyard-Run: run-7");
    expect(body).toContain("Switchyard-Lane: lane-c");
    // The repository's own identity signs the commit.
    expect(repo.git(["log", "-1", "--format=%ae", "switchyard/lane-c"])).toBe("owner@example.test");
    expect(repo.git(["status", "--porcelain"], tree.path)).toBe("");

    const files = [
      { path: "README.md", change: "modified", insertions: 1, deletions: 1 },
      { path: "gone.txt", change: "deleted", insertions: 0, deletions: 1 },
      { path: "new/file.txt", change: "added", insertions: 2, deletions: 0 },
    ];
    expect(changes).toEqual({
      commit: changes.commit,
      files_changed: 3,
      insertions: 3,
      deletions: 2,
      diff_artifact: DIFF_ARTIFACT_ID,
      files,
    });
    expect(dataOf(outputs, "file_changed")).toEqual(files);
    const diff = joinedDiff(outputs);
    expect(diff).toContain("3 files changed, 3 insertions(+), 2 deletions(-)");
    expect(diff).toContain("+hello world");
    expect(diff).toContain("diff --git a/gone.txt b/gone.txt");
    expect(
      eventsOf(outputs)
        .map((e) => e.type)
        .at(-1),
    ).toBe("lane_changes");
    expect(dataOf(outputs, "lane_changes")).toEqual([changes]);
  });

  it("reports a rename as one renamed file", async () => {
    const start = head();
    repo.git(["mv", "old.txt", "renamed.txt"], tree.path);
    const { changes } = await recordChanges(tree, lane, turn(start));
    expect(changes.files).toEqual([{ path: "renamed.txt", change: "renamed", insertions: 0, deletions: 0 }]);
  });

  it("commits nothing and names no diff when the run changed nothing", async () => {
    const start = head();
    const { changes, outputs } = await recordChanges(tree, lane, turn(start));
    expect(changes).toEqual({
      commit: null,
      files_changed: 0,
      insertions: 0,
      deletions: 0,
      diff_artifact: null,
      files: [],
    });
    expect(head()).toBe(start);
    expect(eventsOf(outputs).map((e) => e.type)).toEqual(["lane_changes"]);
  });

  it("counts commits the agent made itself as the run's, with a commit of what it left", async () => {
    const start = head();
    await repo.write({ "mine.txt": "by the agent\n" }, tree.path);
    repo.git(["add", "mine.txt"], tree.path);
    repo.git(["commit", "--quiet", "-m", "agent's own"], tree.path);
    await repo.write({ "left.txt": "left over\n" }, tree.path);
    const { changes } = await recordChanges(tree, lane, turn(start));
    expect(changes.files.map((f) => f.path)).toEqual(["left.txt", "mine.txt"]);
    expect(repo.git(["rev-list", "--count", `${start}..switchyard/lane-c`])).toBe("2");
  });

  it("with commit_policy leave, reports the changes and leaves them uncommitted", async () => {
    const leave = { ...lane, commit_policy: "leave" as const };
    const start = head();
    await repo.write({ "README.md": "left alone\n" }, tree.path);
    const { changes, outputs } = await recordChanges(tree, leave, turn(start));
    expect(head()).toBe(start);
    expect(changes).toMatchObject({ commit: null, files_changed: 1, diff_artifact: DIFF_ARTIFACT_ID });
    expect(joinedDiff(outputs)).toContain("+left alone");
    expect(repo.git(["status", "--porcelain"], tree.path)).toBe("M  README.md");
  });

  it("sends a big patch as several chunks that join to the whole diff", async () => {
    const start = head();
    const big = Array.from({ length: 4000 }, (_, i) => `line ${i}: é 漢字 🚀`).join("\n");
    await repo.write({ "big.txt": `${big}\n` }, tree.path);
    const { outputs } = await recordChanges(tree, lane, turn(start));
    expect(dataOf(outputs, "artifact_added").length).toBeGreaterThan(5);
    const diff = joinedDiff(outputs);
    expect(diff).toContain(repo.git(["diff", start, "HEAD"], tree.path));
    expect(
      dataOf(outputs, "artifact_added").every((c) => Buffer.byteLength(c.text as string) <= 12 * 1024),
    ).toBe(true);
  });

  it("commits with the runner's identity when git knows none", async () => {
    repo.git(["config", "--unset", "user.email"]);
    repo.git(["config", "--unset", "user.name"]);
    const start = head();
    await repo.write({ "README.md": "anonymous\n" }, tree.path);
    // No global identity either (this machine's user has one).
    const global = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = join(repo.root, "no-global-config");
    const { changes } = await recordChanges(tree, lane, { ...turn(start), answer: undefined }).finally(() => {
      if (global === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = global;
    });
    expect(repo.git(["log", "-1", "--format=%ae %s", changes.commit!])).toBe(
      "switchyard-runner@localhost worker: run run-7",
    );
  });

  it("runs no hook, and commits through the repository's own record of the tree even when the tree's .git file was rewritten", async () => {
    // post-commit: --no-verify would not skip it.
    const hook = join(repo.repo, ".git", "hooks", "post-commit");
    const trap = join(repo.root, "hook-ran");
    await writeFile(hook, `#!/bin/sh\ntouch ${trap}\n`);
    await chmod(hook, 0o755);
    const start = head();
    await repo.write({ "README.md": "hooked?\n" }, tree.path);
    // What an agent could do inside its tree: point git somewhere it controls.
    await writeFile(join(tree.path, ".git"), `gitdir: ${join(repo.root, "elsewhere")}\n`);
    const { changes } = await recordChanges(tree, lane, turn(start));
    expect(existsSync(trap)).toBe(false);
    expect(repo.git(["rev-parse", "switchyard/lane-c"])).toBe(changes.commit);
    expect(changes.files.map((f) => f.path)).toEqual(["README.md"]);
  });
});
