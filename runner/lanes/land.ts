// Landing and reclaiming a lane on the machine holding its repository. Land merges the lane's
// branch into base where base is checked out (or in a scratch worktree when it is not):
// fast-forward when it can, else a merge commit, per strategy; a conflict is aborted, leaving the
// repository as it was, and answered with the conflicting files. Reclaim removes tree and branch.
import { join } from "node:path";
import type { LandResult, LandStrategy, LaneWorkspace, ReclaimResult } from "../../shared/lanes/lane-work.ts";
import { commitIdentity, commitOf, git, GitError, gitLine, type GitPlace } from "./git.ts";
import {
  findTree,
  locateLane,
  placeOf,
  registeredWorktrees,
  removeTree,
  serialized,
  type LaneRepo,
} from "./worktree.ts";

type Refused = Extract<LandResult, { ok: false }>;

export interface LandRequest {
  lane: LaneWorkspace;
  strategy: LandStrategy;
  remove_worktree: boolean;
}

export async function landLane(request: LandRequest, realRoots: readonly string[]): Promise<LandResult> {
  const located = await locateLane(request.lane, realRoots);
  if (!located.ok) return refused("not_found", located.reason);
  const { repo } = located.repo;
  try {
    return await serialized(repo, () => land(request, located.repo));
  } catch (error) {
    if (error instanceof GitError) return refused("git_failed", error.message);
    throw error;
  }
}

async function land(request: LandRequest, located: LaneRepo): Promise<LandResult> {
  const { lane, strategy } = request;
  const { repo } = located;
  const tip = await commitOf(repo, `refs/heads/${lane.branch}`);
  if (!tip) return refused("not_found", `the lane branch ${lane.branch} does not exist in ${repo}`);
  const base =
    lane.base ?? (await git(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"], [1])).stdout.trim();
  if (!base || !(await commitOf(repo, `refs/heads/${base}`)))
    return refused(
      "not_found",
      `${base ? `lane.base ${base}` : "the repository's HEAD"} is not a branch of ${repo}: nothing to land into`,
    );

  // Where base is checked out, the merge happens there and its files follow; else in a scratch tree.
  const holder = (await registeredWorktrees(repo)).find((w) => w.branch === `refs/heads/${base}`);
  const scratch = join(located.path, "..", `.land-${lane.lane_id}`);
  const landAt = async (at: GitPlace): Promise<LandResult> => {
    const merged = await merge(at, lane, base, strategy, tip);
    if (!merged.ok) return merged;
    const removed = request.remove_worktree ? await removeLaneTree(lane, located, false) : false;
    const commit = await gitLine(at, ["rev-parse", "HEAD"]);
    return { ok: true, commit, strategy: merged.strategy, worktree_removed: removed };
  };
  if (holder) {
    // Base may be checked out in another lane's tree (a lane built on a lane): git goes by its record.
    const at = await placeOf(located, holder.path);
    const dirty = await gitLine(at, ["status", "--porcelain", "--untracked-files=no"]);
    if (dirty)
      return refused(
        "dirty",
        `${holder.path} (where ${base} is checked out) has uncommitted changes:\n${dirty}`,
      );
    return landAt(at);
  }
  // One a crashed land left behind goes first.
  await removeTree({ ...located, path: scratch }, true);
  await git(repo, ["worktree", "add", "--quiet", scratch, base]);
  try {
    return await landAt(await placeOf(located, scratch));
  } finally {
    await removeTree({ ...located, path: scratch }, true);
  }
}

async function merge(
  at: GitPlace,
  lane: LaneWorkspace,
  base: string,
  strategy: LandStrategy,
  tip: string,
): Promise<{ ok: true; strategy: "fast_forward" | "merge" | "squash" } | Refused> {
  const head = await gitLine(at, ["rev-parse", "HEAD"]);
  const isAncestor = async (a: string, b: string) =>
    (await git(at, ["merge-base", "--is-ancestor", a, b], [1])).exitCode === 0;
  // Base has the lane's work already: nothing to do, whatever the strategy.
  if (await isAncestor(tip, head)) return { ok: true, strategy: "fast_forward" };
  const canFastForward = await isAncestor(head, tip);
  if (strategy === "fast_forward_only" && !canFastForward)
    return refused(
      "not_fast_forward",
      `${base} has commits the lane branch ${lane.branch} lacks: rebase or merge`,
    );
  if (canFastForward && (strategy === "fast_forward_only" || strategy === "fast_forward_or_merge")) {
    await git(at, ["merge", "--ff-only", "--quiet", tip]);
    return { ok: true, strategy: "fast_forward" };
  }
  const message = `Land lane ${lane.lane_id} (${lane.branch}) into ${base}`;
  const identity = await commitIdentity(at);
  const squash = strategy === "squash";
  const args = squash
    ? ["merge", "--squash", tip]
    : ["merge", "--no-ff", "--no-edit", "--message", message, tip];
  const result = await git(at, [...identity, ...args], [1]);
  if (result.exitCode === 1) {
    const conflicts = (await git(at, ["diff", "--name-only", "--diff-filter=U", "-z"])).stdout
      .split("\0")
      .filter(Boolean);
    // Back to base as it was: index and files (a squash has no MERGE_HEAD for `merge --abort`).
    await git(at, ["reset", "--merge"]);
    if (conflicts.length === 0)
      return refused("git_failed", result.stdout.trim() || `git merge ${lane.branch} failed`);
    return refused(
      "conflict",
      `merging ${lane.branch} into ${base} conflicts in ${conflicts.length} files`,
      conflicts,
    );
  }
  if (squash) await git(at, [...identity, "commit", "--quiet", "--no-verify", "--message", message]);
  return { ok: true, strategy: squash ? "squash" : "merge" };
}

/** Removes the lane's worktree and deletes its branch (the lane closed without landing). */
export async function reclaimLane(lane: LaneWorkspace, realRoots: readonly string[]): Promise<ReclaimResult> {
  const located = await locateLane(lane, realRoots);
  if (!located.ok) return { worktree_removed: false, branch_deleted: false, reason: located.reason };
  try {
    return await serialized(located.repo.repo, async () => {
      const removed = await removeLaneTree(lane, located.repo, true);
      const deleted = await git(located.repo.repo, ["branch", "--delete", "--force", lane.branch], [1]);
      const branchDeleted = deleted.exitCode === 0;
      const missing = [removed ? "" : "no worktree", branchDeleted ? "" : `no branch ${lane.branch}`].filter(
        Boolean,
      );
      return {
        worktree_removed: removed,
        branch_deleted: branchDeleted,
        ...(missing.length ? { reason: `${missing.join(" and ")} to remove in ${located.repo.repo}` } : {}),
      };
    });
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    return { worktree_removed: false, branch_deleted: false, reason: error.message };
  }
}

/** The lane's tree removed: left changes are kept (and the tree) unless `force`. */
async function removeLaneTree(lane: LaneWorkspace, located: LaneRepo, force: boolean): Promise<boolean> {
  const tree = await findTree(lane, located);
  if (!tree) return false;
  const removed = await removeTree(tree, force);
  await git(located.repo, ["worktree", "prune"]);
  return removed;
}

function refused(code: Refused["code"], reason: string, conflicts: string[] = []): Refused {
  return { ok: false, code, reason: reason.slice(0, 4000), conflicts: conflicts.slice(0, 1000) };
}
