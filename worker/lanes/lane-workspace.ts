// What a repo lane's runs carry and ask of their runner: the worktree (shared/lanes/lane-work.ts)
// as the lane is now, and a runner serving lanes — the lane's holder once it has one.
import { badRequest } from "../../shared/errors.ts";
import { LaneWorkspaceSchema, type LaneWorkspace } from "../../shared/lanes/lane-work.ts";
import type { RunnerPick } from "../runners/placement.ts";
import type { Lane } from "./lane.ts";

/**
 * The worktree a run of this lane works in, or undefined for a lane without a repo. A field the
 * worktree cannot take (a branch kept from before lanes had worktrees) is refused by name.
 */
export function laneWorkspace(lane: Lane): LaneWorkspace | undefined {
  if (lane.repo === null) return undefined;
  const workspace = LaneWorkspaceSchema.safeParse({
    lane_id: lane.lane_id,
    repo: lane.repo,
    ...(lane.base !== null ? { base: lane.base } : {}),
    branch: lane.branch ?? defaultBranch(lane.lane_id),
    commit_policy: lane.commit_policy,
    ...(lane.test_command !== null ? { test_command: lane.test_command } : {}),
    test_timeout_s: lane.test_timeout_s,
  });
  if (workspace.success) return workspace.data;
  const issue = workspace.error.issues[0]!;
  throw badRequest(String(issue.path[0] ?? "repo"), issue.message);
}

export const defaultBranch = (laneId: string) => `switchyard/${laneId}`;

/** The label a runner announces when it serves lanes (`switchyard-runner connect --lanes`). */
export const LANES_LABEL = { lanes: "true" } as const;

/**
 * What a run of a repo lane asks of its runner: one serving lanes, with the lane's labels and the
 * repo under a root — and, once the lane has a worktree, the runner holding it and no other.
 */
export function lanePick(lane: Lane, pick: RunnerPick): RunnerPick {
  return {
    ...pick,
    runner: lane.holder ?? pick.runner,
    runner_labels: { ...pick.runner_labels, ...lane.runner_labels, ...LANES_LABEL },
    cwd: lane.repo ?? undefined,
    lane: lane.lane_id,
  };
}
