// A lane's worktree with real git: placed under the root holding the repository, added on first
// use and reused after, one per lane, refused for a repository outside the roots or not a repository.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTree, removeTree } from "../../runner/lanes/worktree.ts";
import { laneOf, makeRepo, treePath, type TestRepo } from "./support/git-repo.ts";

let repo: TestRepo;
beforeEach(async () => {
  repo = await makeRepo();
});
afterEach(async () => {
  await repo.remove();
});

const worktreeCount = () =>
  repo
    .git(["worktree", "list", "--porcelain"])
    .split("\n")
    .filter((l) => l.startsWith("worktree ")).length;

describe("lane worktrees", () => {
  it("adds the tree at <root>/.switchyard/worktrees/<lane_id> on a new branch from the repository's HEAD", async () => {
    const opened = await openTree(laneOf(repo, "lane-a"), [repo.root]);
    expect(opened).toMatchObject({ ok: true, tree: { path: treePath(repo, "lane-a"), repo: repo.repo } });
    expect(repo.git(["branch", "--show-current"], treePath(repo, "lane-a"))).toBe("switchyard/lane-a");
    expect(repo.git(["rev-parse", "switchyard/lane-a"])).toBe(repo.git(["rev-parse", "main"]));
    expect(existsSync(join(treePath(repo, "lane-a"), "README.md"))).toBe(true);
    expect(worktreeCount()).toBe(2);
  });

  it("reuses the tree on later runs: same path, no second worktree, the tree's work kept", async () => {
    await openTree(laneOf(repo, "lane-a"), [repo.root]);
    await repo.write({ "wip.txt": "unfinished\n" }, treePath(repo, "lane-a"));
    const again = await openTree(laneOf(repo, "lane-a"), [repo.root]);
    expect(again).toMatchObject({ ok: true, tree: { path: treePath(repo, "lane-a") } });
    expect(worktreeCount()).toBe(2);
    expect(existsSync(join(treePath(repo, "lane-a"), "wip.txt"))).toBe(true);
  });

  it("starts from the lane's base when it names one", async () => {
    const first = repo.git(["rev-parse", "HEAD"]);
    await repo.commit({ "later.txt": "later\n" }, "later");
    await openTree(laneOf(repo, "lane-b", { base: first }), [repo.root]);
    expect(repo.git(["rev-parse", "switchyard/lane-b"])).toBe(first);
  });

  it("gives two lanes two trees, and refuses a second lane on a branch another tree has", async () => {
    await openTree(laneOf(repo, "one"), [repo.root]);
    await openTree(laneOf(repo, "two"), [repo.root]);
    expect(treePath(repo, "one")).not.toBe(treePath(repo, "two"));
    expect(worktreeCount()).toBe(3);
    const clash = await openTree(laneOf(repo, "three", { branch: "switchyard/one" }), [repo.root]);
    expect(clash).toMatchObject({ ok: false, code: "bad_request" });
    expect(worktreeCount()).toBe(3);
  });

  it("adds trees for the same repository at once without tripping over git's locks", async () => {
    const ids = ["p1", "p2", "p3", "p4"];
    const opened = await Promise.all(ids.map((id) => openTree(laneOf(repo, id), [repo.root])));
    expect(opened.map((o) => o.ok)).toEqual([true, true, true, true]);
    expect(worktreeCount()).toBe(5);
  });

  it("keeps the repository clean when the root is the repository itself", async () => {
    const opened = await openTree(laneOf(repo, "inside"), [repo.repo]);
    expect(opened).toMatchObject({
      ok: true,
      tree: { path: join(repo.repo, ".switchyard", "worktrees", "inside") },
    });
    expect(repo.git(["status", "--porcelain"])).toBe("");
  });

  it("takes the lane's branch as it is when it exists without a tree (the tree was removed)", async () => {
    const opened = await openTree(laneOf(repo, "back"), [repo.root]);
    if (!opened.ok) throw new Error(opened.reason);
    await repo.write({ "kept.txt": "kept\n" }, opened.tree.path);
    repo.git(["add", "kept.txt"], opened.tree.path);
    repo.git(["commit", "--quiet", "-m", "kept"], opened.tree.path);
    expect(await removeTree(opened.tree, false)).toBe(true);
    expect(existsSync(opened.tree.path)).toBe(false);
    const reopened = await openTree(laneOf(repo, "back"), [repo.root]);
    expect(reopened.ok).toBe(true);
    expect(existsSync(join(opened.tree.path, "kept.txt"))).toBe(true);
  });

  it("refuses a repository outside the roots, naming lane.repo", async () => {
    const other = await makeRepo();
    try {
      const refused = await openTree(laneOf(other, "x"), [repo.root]);
      expect(refused).toMatchObject({ ok: false, code: "cwd_outside_roots" });
      expect(refused.ok || refused.reason).toContain("lane.repo");
      expect(existsSync(treePath(other, "x"))).toBe(false);
    } finally {
      await other.remove();
    }
  });

  it("refuses what is not the top of a repository, a bad lane id, a bad branch and a base naming nothing", async () => {
    const plain = join(repo.root, "plain");
    await mkdir(plain);
    await mkdir(join(repo.repo, "sub"));
    const cases = [
      [laneOf(repo, "x", { repo: plain }), "is not a git repository"],
      [laneOf(repo, "x", { repo: join(repo.repo, "sub") }), "name its top directory"],
      [laneOf(repo, "../escape"), "lane.lane_id"],
      [laneOf(repo, "x", { branch: "bad..name" }), "lane.branch"],
      [laneOf(repo, "x", { branch: "lock.lock" }), "lane.branch"],
      [laneOf(repo, "x", { base: "no-such-branch" }), "lane.base no-such-branch"],
    ] as const;
    for (const [lane, reason] of cases) {
      const refused = await openTree(lane, [repo.root]);
      expect(refused).toMatchObject({ ok: false, code: "bad_request" });
      expect(refused.ok || refused.reason).toContain(reason);
    }
    expect(worktreeCount()).toBe(1);
    expect(repo.git(["branch", "--list"]).split("\n")).toEqual(["* main"]);
  });
});
