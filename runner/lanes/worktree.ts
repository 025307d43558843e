// Where a lane's worktree lives and how it comes to be: `<root holding the repo>/.switchyard/worktrees/<lane_id>`,
// added with `git worktree add` on the lane's first run and reused by every later one. One tree per
// lane: git refuses to check a branch out twice, and the path is the lane's own.
import { appendFile, mkdir, readdir, readFile, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { LaneWorkspace } from "../../shared/lanes/lane-work.ts";
import { isPathWithin } from "../../shared/protocol/paths.ts";
import { checkWithinRoots } from "../roots.ts";
import { commitOf, git, GitError, gitLine } from "./git.ts";

/** Under the root holding the repository; ignored by the repository when the root is the repository. */
const WORKTREES_DIR = join(".switchyard", "worktrees");
/** A lane id becomes a directory name: nothing that could climb out of WORKTREES_DIR. */
const LANE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The repository of a lane and where the lane's worktree is (or will be). */
export interface LaneRepo {
  /** Real path of the repository's top directory. */
  repo: string;
  /** Its common git directory (`.git`), absolute. */
  commonDir: string;
  /** The lane's worktree path. */
  path: string;
}

/** A lane's worktree, ready for git: commands inside it use its administrative git dir. */
export interface LaneTree extends LaneRepo {
  place: { gitDir: string; workTree: string };
}

export type TreeRefusal = { ok: false; code: "cwd_outside_roots" | "bad_request"; reason: string };

/** Checks the lane's repository (under a root, a repository's top, a valid branch name) and places its tree. */
export async function locateLane(
  lane: LaneWorkspace,
  realRoots: readonly string[],
): Promise<{ ok: true; repo: LaneRepo } | TreeRefusal> {
  if (!LANE_ID.test(lane.lane_id))
    return refuse("bad_request", `lane.lane_id ${lane.lane_id}: expected letters, digits, '.', '_' or '-'`);
  const within = await checkWithinRoots("lane.repo", lane.repo, realRoots);
  if (!within.ok) return refuse(within.outside ? "cwd_outside_roots" : "bad_request", within.reason);
  const repo = within.path;
  const top = await gitLine(repo, ["rev-parse", "--show-toplevel"]).catch(() => undefined);
  if (top === undefined) return refuse("bad_request", `lane.repo ${lane.repo} is not a git repository`);
  if ((await realpath(top)) !== repo)
    return refuse(
      "bad_request",
      `lane.repo ${lane.repo} is inside the repository ${top}: name its top directory`,
    );
  const branchOk = await git(repo, ["check-ref-format", "--branch", lane.branch], [1, 128]);
  if (branchOk.exitCode !== 0)
    return refuse("bad_request", `lane.branch ${lane.branch} is not a valid branch name`);
  // The innermost root holding the repository: nested roots keep their trees apart.
  const root = realRoots.filter((r) => isPathWithin(repo, r)).sort((a, b) => b.length - a.length)[0]!;
  const commonDir = await gitLine(repo, ["rev-parse", "--path-format=absolute", "--git-common-dir"]);
  return { ok: true, repo: { repo, commonDir, path: join(root, WORKTREES_DIR, lane.lane_id) } };
}

/** A registered worktree of a repository, as `git worktree list` shows it. */
export interface Registered {
  path: string;
  /** `refs/heads/…`; absent for a detached HEAD. */
  branch?: string;
}

export async function registeredWorktrees(repo: string): Promise<Registered[]> {
  const { stdout } = await git(repo, ["worktree", "list", "--porcelain", "-z"]);
  return stdout
    .split("\0\0")
    .filter(Boolean)
    .map((record) => {
      const fields = record.split("\0");
      const value = (key: string) => fields.find((f) => f.startsWith(`${key} `))?.slice(key.length + 1);
      return { path: value("worktree")!, branch: value("branch") };
    });
}

/** The lane's worktree if it exists, checked to be on the lane's branch. */
export async function findTree(lane: LaneWorkspace, located: LaneRepo): Promise<LaneTree | undefined> {
  const found = (await registeredWorktrees(located.repo)).find((w) => w.path === located.path);
  if (!found) return undefined;
  if (found.branch !== `refs/heads/${lane.branch}`) {
    throw new GitError(
      ["worktree", "list"],
      null,
      `the worktree ${located.path} is on ${found.branch ?? "a detached HEAD"}, not on ${lane.branch}`,
    );
  }
  return { ...located, place: await placeOf(located, located.path) };
}

/**
 * The lane's worktree, added on its first run: a new branch from base (default: the repository's
 * HEAD), or the lane's branch as it is when it exists already (the tree was removed after a land).
 */
export async function openTree(
  lane: LaneWorkspace,
  realRoots: readonly string[],
): Promise<{ ok: true; tree: LaneTree } | TreeRefusal> {
  const located = await locateLane(lane, realRoots);
  if (!located.ok) return located;
  const { repo, path } = located.repo;
  try {
    return await serialized(repo, async () => {
      const existing = await findTree(lane, located.repo);
      if (existing) return { ok: true, tree: existing };
      if (await exists(path)) await git(repo, ["worktree", "prune"]);
      if (await exists(path))
        return refuse("bad_request", `${path} exists and is not a worktree of ${repo}: move it away`);
      if (await commitOf(repo, `refs/heads/${lane.branch}`)) {
        await git(repo, ["worktree", "add", path, lane.branch]);
      } else {
        const base = lane.base ?? "HEAD";
        if (!(await commitOf(repo, base)))
          return refuse("bad_request", `lane.base ${base} names no commit in ${repo}`);
        await git(repo, ["worktree", "add", "-b", lane.branch, path, base]);
      }
      await ignoreTreesInRepo(located.repo);
      return {
        ok: true,
        tree: { ...located.repo, place: await placeOf(located.repo, path) },
      };
    });
  } catch (error) {
    if (error instanceof GitError) return refuse("bad_request", error.message);
    throw error;
  }
}

/** Removes the worktree (its changes too when `force`); false when git refused or it was gone. */
export async function removeTree(tree: LaneRepo, force: boolean): Promise<boolean> {
  const removed = await git(
    tree.repo,
    ["worktree", "remove", ...(force ? ["--force"] : []), tree.path],
    [128],
  );
  return removed.exitCode === 0;
}

/**
 * How git works in the checkout at `path` of the repository: the repository's own `.git` for its
 * main checkout, else the linked tree's administrative directory, found from the repository's side
 * (its `gitdir` file points back at the tree): the `.git` file inside a tree is an agent's to overwrite.
 */
export async function placeOf(
  located: LaneRepo,
  path: string,
): Promise<{ gitDir: string; workTree: string }> {
  if (path === located.repo) return { gitDir: located.commonDir, workTree: path };
  const base = join(located.commonDir, "worktrees");
  const dotGit = join(path, ".git");
  for (const name of await readdir(base)) {
    const points = await readFile(join(base, name, "gitdir"), "utf8").catch(() => "");
    if (points.trim() === dotGit) return { gitDir: join(base, name), workTree: path };
  }
  throw new GitError(["worktree", "list"], null, `no administrative directory for the worktree ${path}`);
}

/** When the trees lie inside the repository (the root is the repository), the repository ignores them. */
async function ignoreTreesInRepo(located: LaneRepo): Promise<void> {
  if (!isPathWithin(located.path, located.repo)) return;
  const exclude = join(located.commonDir, "info", "exclude");
  const line = "/.switchyard/";
  const current = await readFile(exclude, "utf8").catch(() => "");
  if (current.split("\n").includes(line)) return;
  await mkdir(dirname(exclude), { recursive: true });
  await appendFile(exclude, `${current && !current.endsWith("\n") ? "\n" : ""}${line}\n`);
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

const queues = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier work on the same key (a repository, a tree): git's own locks fail rather than wait. */
export function serialized<T>(repo: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(repo) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  queues.set(repo, settled);
  void settled.then(() => {
    if (queues.get(repo) === settled) queues.delete(repo);
  });
  return next;
}

function refuse(code: TreeRefusal["code"], reason: string): TreeRefusal {
  return { ok: false, code, reason };
}
