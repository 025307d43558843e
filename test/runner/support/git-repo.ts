// Real git repositories for the lane suites: made in a temporary root, with one commit on `main`,
// and read back with the git CLI itself (not with the module under test).
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { openTree, type LaneTree } from "../../../runner/lanes/worktree.ts";
import type { LaneWorkspace } from "../../../shared/lanes/lane-work.ts";

export interface TestRepo {
  /** Real path of the root holding the repository. */
  root: string;
  /** The repository, `<root>/repo`. */
  repo: string;
  git(args: string[], cwd?: string): string;
  /** Writes files (path → text) relative to `dir` (default: the repository). */
  write(files: Record<string, string>, dir?: string): Promise<void>;
  /** Writes files in the repository and commits them on its current branch. */
  commit(files: Record<string, string>, message: string): Promise<string>;
  remove(): Promise<void>;
}

/** `parent`: where the root is made (default: the temporary directory). */
export async function makeRepo(
  files: Record<string, string> = { "README.md": "hello\n" },
  parent = tmpdir(),
): Promise<TestRepo> {
  const root = await realpath(await mkdtemp(join(parent, "switchyard-lanes-")));
  const repo = join(root, "repo");
  await mkdir(repo);
  const git = (args: string[], cwd = repo) =>
    execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } }).trim();
  const write = async (entries: Record<string, string>, dir = repo) => {
    for (const [path, text] of Object.entries(entries)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
  };
  git(["init", "--quiet", "--initial-branch=main"]);
  git(["config", "user.name", "Test Owner"]);
  git(["config", "user.email", "owner@example.test"]);
  const commit = async (entries: Record<string, string>, message: string) => {
    await write(entries);
    git(["add", "--all"]);
    git(["commit", "--quiet", "--message", message]);
    return git(["rev-parse", "HEAD"]);
  };
  await commit(files, "initial");
  return { root, repo, git, write, commit, remove: () => rm(root, { recursive: true, force: true }) };
}

export function laneOf(repo: TestRepo, laneId: string, over: Partial<LaneWorkspace> = {}): LaneWorkspace {
  return {
    lane_id: laneId,
    repo: repo.repo,
    branch: `switchyard/${laneId}`,
    commit_policy: "commit",
    test_timeout_s: 600,
    ...over,
  };
}

/** Where the runner puts a lane's worktree: under the root holding the repository. */
export const treePath = (repo: TestRepo, laneId: string) =>
  join(repo.root, ".switchyard", "worktrees", laneId);

/** A lane of `repo` with its worktree opened by the runner's module (roots: the repo's root). */
export async function openedLane(
  repo: TestRepo,
  laneId: string,
): Promise<{ lane: LaneWorkspace; tree: LaneTree }> {
  const lane = laneOf(repo, laneId);
  const opened = await openTree(lane, [repo.root]);
  if (!opened.ok) throw new Error(opened.reason);
  return { lane, tree: opened.tree };
}
