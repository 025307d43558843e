// Landing and reclaiming a lane with real git: fast-forward, merge commit, squash, a conflict
// refused with the file named and the repository left clean, base not checked out, a dirty base,
// fast_forward_only refusing, reclaim removing tree and branch.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { landLane, reclaimLane } from "../../runner/lanes/land.ts";
import { openTree, type LaneTree } from "../../runner/lanes/worktree.ts";
import type { LaneWorkspace, LandStrategy } from "../../shared/lanes/lane-work.ts";
import { laneOf, makeRepo, openedLane, type TestRepo } from "./support/git-repo.ts";

let repo: TestRepo;
let lane: LaneWorkspace;
let tree: LaneTree;
beforeEach(async () => {
  repo = await makeRepo({ "README.md": "hello\n", "shared.txt": "one\n" });
  ({ lane, tree } = await openedLane(repo, "lane-l"));
});
afterEach(async () => {
  await repo.remove();
});

/** A commit on the lane branch, made in its worktree. */
async function laneCommit(files: Record<string, string>): Promise<string> {
  await repo.write(files, tree.path);
  repo.git(["add", "--all"], tree.path);
  repo.git(["commit", "--quiet", "-m", "lane work"], tree.path);
  return repo.git(["rev-parse", "HEAD"], tree.path);
}

const land = (
  strategy: LandStrategy = "fast_forward_or_merge",
  remove = false,
  over: Partial<LaneWorkspace> = {},
) => landLane({ lane: { ...lane, ...over }, strategy, remove_worktree: remove }, [repo.root]);
const parents = (ref: string) => repo.git(["rev-list", "--parents", "-n", "1", ref]).split(" ").length - 1;
const worktrees = () =>
  repo
    .git(["worktree", "list", "--porcelain"])
    .split("\n")
    .filter((l) => l.startsWith("worktree "));

describe("landing a lane", () => {
  it("fast-forwards base to the lane's commit and updates base's checked-out files", async () => {
    const tip = await laneCommit({ "feature.txt": "new\n" });
    expect(await land()).toEqual({
      ok: true,
      commit: tip,
      strategy: "fast_forward",
      worktree_removed: false,
    });
    expect(repo.git(["rev-parse", "main"])).toBe(tip);
    expect(existsSync(join(repo.repo, "feature.txt"))).toBe(true);
    expect(existsSync(tree.path)).toBe(true);
  });

  it("makes a merge commit when base moved on, and removes the worktree when asked", async () => {
    const tip = await laneCommit({ "feature.txt": "new\n" });
    const moved = await repo.commit({ "other.txt": "elsewhere\n" }, "base moved");
    const landed = await land("fast_forward_or_merge", true);
    expect(landed).toMatchObject({ ok: true, strategy: "merge", worktree_removed: true });
    const head = repo.git(["rev-parse", "main"]);
    expect(landed.ok && landed.commit).toBe(head);
    expect(repo.git(["rev-list", "--parents", "-n", "1", "main"]).split(" ").slice(1)).toEqual([moved, tip]);
    expect(repo.git(["log", "-1", "--format=%s", "main"])).toBe(
      "Land lane lane-l (switchyard/lane-l) into main",
    );
    expect(existsSync(join(repo.repo, "feature.txt")) && existsSync(join(repo.repo, "other.txt"))).toBe(true);
    expect(existsSync(tree.path)).toBe(false);
    expect(worktrees()).toHaveLength(1);
  });

  it("with strategy merge, makes a merge commit even when a fast-forward was possible", async () => {
    await laneCommit({ "feature.txt": "new\n" });
    expect(await land("merge")).toMatchObject({ ok: true, strategy: "merge" });
    expect(parents("main")).toBe(2);
  });

  it("with strategy squash, lands the lane's commits as one commit with one parent", async () => {
    const before = repo.git(["rev-parse", "main"]);
    await laneCommit({ "a.txt": "a\n" });
    await laneCommit({ "b.txt": "b\n" });
    expect(await land("squash")).toMatchObject({ ok: true, strategy: "squash" });
    expect(repo.git(["rev-list", "--count", `${before}..main`])).toBe("1");
    expect(repo.git(["show", "--name-only", "--format=", "main"]).split("\n").sort()).toEqual([
      "a.txt",
      "b.txt",
    ]);
  });

  it("refuses a conflicting land, naming the file, and leaves the repository exactly as it was", async () => {
    await laneCommit({ "shared.txt": "lane's line\n", "clean.txt": "no conflict\n" });
    const head = await repo.commit({ "shared.txt": "base's line\n" }, "base edits the same line");
    for (const strategy of ["fast_forward_or_merge", "merge", "squash"] as const) {
      const refused = await land(strategy, true);
      expect(refused).toMatchObject({ ok: false, code: "conflict", conflicts: ["shared.txt"] });
      expect(refused.ok || refused.reason).toContain("conflicts in 1 files");
      expect(repo.git(["rev-parse", "main"])).toBe(head);
      expect(repo.git(["status", "--porcelain"])).toBe("");
      expect(existsSync(join(repo.repo, ".git", "MERGE_HEAD"))).toBe(false);
      expect(existsSync(join(repo.repo, "clean.txt"))).toBe(false);
      // The lane keeps its tree to resolve the conflict in.
      expect(existsSync(tree.path)).toBe(true);
    }
  });

  it("with fast_forward_only, refuses when base moved on and changes nothing", async () => {
    await laneCommit({ "feature.txt": "new\n" });
    const head = await repo.commit({ "other.txt": "elsewhere\n" }, "base moved");
    expect(await land("fast_forward_only")).toMatchObject({
      ok: false,
      code: "not_fast_forward",
      conflicts: [],
    });
    expect(repo.git(["rev-parse", "main"])).toBe(head);
  });

  it("lands into a base branch nobody has checked out, in a scratch tree it removes after", async () => {
    repo.git(["branch", "release"]);
    const released = repo.git(["rev-parse", "release"]);
    const mainHead = await repo.commit({ "main-only.txt": "main\n" }, "main moves, release does not");
    const tip = await laneCommit({ "feature.txt": "new\n" });
    const landed = await land("merge", false, { base: "release" });
    expect(landed).toMatchObject({ ok: true, strategy: "merge" });
    expect(repo.git(["rev-list", "--parents", "-n", "1", "release"]).split(" ").slice(1)).toEqual([
      released,
      tip,
    ]);
    expect(repo.git(["rev-parse", "main"])).toBe(mainHead);
    expect(existsSync(join(repo.repo, "feature.txt"))).toBe(false);
    expect(worktrees()).toHaveLength(2);
    expect(existsSync(join(repo.root, ".switchyard", "worktrees", ".land-lane-l"))).toBe(false);
    expect(repo.git(["status", "--porcelain"])).toBe("");
  });

  it("lands a lane built on a lane into that lane's tree, by the repository's record of the tree, not its .git file", async () => {
    const upper = laneOf(repo, "upper", { base: lane.branch });
    const opened = await openTree(upper, [repo.root]);
    if (!opened.ok) throw new Error(opened.reason);
    await repo.write({ "upper.txt": "on top\n" }, opened.tree.path);
    repo.git(["add", "--all"], opened.tree.path);
    repo.git(["commit", "--quiet", "-m", "upper work"], opened.tree.path);
    const tip = repo.git(["rev-parse", "HEAD"], opened.tree.path);
    // The base lane's agent pointed its tree's .git file elsewhere.
    await writeFile(join(tree.path, ".git"), `gitdir: ${join(repo.root, "nowhere")}\n`);
    const landed = await landLane(
      { lane: upper, strategy: "fast_forward_or_merge", remove_worktree: false },
      [repo.root],
    );
    expect(landed).toEqual({ ok: true, commit: tip, strategy: "fast_forward", worktree_removed: false });
    expect(repo.git(["rev-parse", lane.branch])).toBe(tip);
    expect(existsSync(join(tree.path, "upper.txt"))).toBe(true);
  });

  it("refuses when base's checkout has uncommitted changes, and touches nothing", async () => {
    const head = repo.git(["rev-parse", "main"]);
    await laneCommit({ "feature.txt": "new\n" });
    await repo.write({ "README.md": "edited by the owner\n" });
    expect(await land()).toMatchObject({ ok: false, code: "dirty" });
    expect(repo.git(["rev-parse", "main"])).toBe(head);
    expect(repo.git(["status", "--porcelain"])).toBe("M README.md");
  });

  it("answers not_found for a lane whose branch or base does not exist", async () => {
    expect(await land("merge", false, { branch: "switchyard/none" })).toMatchObject({
      ok: false,
      code: "not_found",
    });
    expect(await land("merge", false, { base: "no-such-base" })).toMatchObject({
      ok: false,
      code: "not_found",
    });
  });
});

describe("reclaiming a lane", () => {
  it("removes the worktree, its uncommitted work and the branch; a second reclaim finds nothing", async () => {
    await laneCommit({ "feature.txt": "new\n" });
    await repo.write({ "wip.txt": "uncommitted\n" }, tree.path);
    expect(await reclaimLane(lane, [repo.root])).toEqual({ worktree_removed: true, branch_deleted: true });
    expect(existsSync(tree.path)).toBe(false);
    expect(repo.git(["branch", "--list", "switchyard/lane-l"])).toBe("");
    expect(worktrees()).toHaveLength(1);
    const again = await reclaimLane(lane, [repo.root]);
    expect(again).toMatchObject({ worktree_removed: false, branch_deleted: false });
    expect(again.reason).toContain("no worktree and no branch switchyard/lane-l");
  });
});
