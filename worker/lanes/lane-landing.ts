// Landing and reclaiming a lane: the checks before the runner holding its worktree is asked, the
// request itself (recorded with its answer for get_lane_activity), and what the answer means for
// the lane — merged, refused with the conflicting files, or worktree and branch gone.
import { SwitchyardError } from "../../shared/errors.ts";
import type { LandResult, LandStrategy, LaneWorkspace, ReclaimResult } from "../../shared/lanes/lane-work.ts";
import type { RunnerHub } from "../runners/hub.ts";
import type { Lane } from "./lane.ts";
import type { Landing, LandingTable } from "./lane-landings.ts";

export interface LandingDeps {
  hub: Pick<RunnerHub, "land" | "reclaim">;
  landings: LandingTable;
  now(): string;
}

/** A lane as landing needs it: its worktree on the runner's machine and the runner holding it. */
export interface HeldLane {
  lane: Lane;
  workspace: LaneWorkspace | undefined;
  /** The runner that made the lane's worktree; null before any run worked in it. */
  holder: string | null;
  /** A live run of the lane, if any: its worktree is in use. */
  live_run: string | undefined;
}

const noLane = (laneId: string) =>
  new SwitchyardError("not_found", `lane_id: no lane "${laneId}"`, { field: "lane_id" });
const conflict = (message: string) => new SwitchyardError("conflict", message, { field: "lane_id" });

/**
 * The runner holding the lane's worktree. Refused, in this order: a lane without a repo, one a run
 * is still working in, and (`ready`) one not ready for this request, or one no run worked in yet.
 */
function holderOf(
  { lane, workspace, holder, live_run }: HeldLane,
  ready: () => void,
): { workspace: LaneWorkspace; holder: string } {
  if (!workspace)
    throw new SwitchyardError(
      "bad_request",
      `lane_id: lane "${lane.lane_id}" has no repo, so nothing to land; give it one with manage_lane upsert repo`,
      { field: "lane_id" },
    );
  if (live_run) throw conflict(`lane_id: run ${live_run} is still working in lane "${lane.lane_id}"`);
  ready();
  if (!holder) throw conflict(`lane_id: lane "${lane.lane_id}" has no worktree yet: no run has worked in it`);
  return { workspace, holder };
}

/**
 * Merges the lane's branch into its base on the runner holding it. Only a lane in `review` (its
 * newest worker run passed its tests and review) lands; a refusal names the conflicting files.
 */
export async function landLane(
  deps: LandingDeps,
  held: HeldLane,
  strategy: LandStrategy,
  removeWorktree: boolean,
): Promise<LandResult & { ok: true }> {
  const { lane } = held;
  const { workspace, holder } = holderOf(held, () => {
    if (lane.status !== "review")
      throw conflict(
        `lane_id: lane "${lane.lane_id}" is ${lane.status}; a lane lands from review, which it reaches once its ` +
          "newest worker run passed its test gate and review",
      );
  });
  const result = await ask(deps, lane.lane_id, holder, "land", () =>
    deps.hub.land(holder, { lane: workspace, strategy, remove_worktree: removeWorktree }),
  );
  if (result.ok) return result;
  const files = result.conflicts.length ? `: ${result.conflicts.join(", ")}` : "";
  throw conflict(
    `lane_id: lane "${lane.lane_id}" did not land (${result.code}${files}); the merge was undone and ` +
      `${workspace.base ?? "the base branch"} is as it was. ${result.reason}`.trim(),
  );
}

/** Removes the lane's worktree and branch on the runner holding it (a lane given up, not landed). */
export async function reclaimLane(deps: LandingDeps, held: HeldLane): Promise<ReclaimResult> {
  const { workspace, holder } = holderOf(held, () => {});
  return ask(deps, held.lane.lane_id, holder, "reclaim", () => deps.hub.reclaim(holder, { lane: workspace }));
}

/** Sends the request, keeping it and its answer (or why none came) in the lane's landings. */
async function ask<R extends LandResult | ReclaimResult>(
  deps: LandingDeps,
  laneId: string,
  runner: string,
  kind: Landing["kind"],
  send: () => Promise<R>,
): Promise<R> {
  const landing: Landing = {
    landing_id: crypto.randomUUID(),
    kind,
    runner,
    requested_at: deps.now(),
    result: null,
    error: null,
  };
  deps.landings.note(laneId, landing);
  try {
    const result = await send();
    deps.landings.note(laneId, { ...landing, result });
    return result;
  } catch (e) {
    deps.landings.note(laneId, { ...landing, error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}
