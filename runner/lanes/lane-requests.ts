// Answers the Worker's lane requests (`lane.land`, `lane.reclaim`) with the `lane.reply` the link
// sends back, also when this runner does not serve lanes or something broke on the way.
import type { LandResult, ReclaimResult } from "../../shared/lanes/lane-work.ts";
import type { WorkerFrame } from "../../shared/protocol/frames.ts";
import { errorText } from "../agents/agent.ts";
import type { LaneReplyFrame } from "../link/dialer.ts";
import { landLane, reclaimLane } from "./land.ts";

export type LaneRequest = Extract<WorkerFrame, { type: "lane.land" | "lane.reclaim" }>;

export const NOT_SERVED =
  "this runner does not serve lanes (start it with `switchyard-runner connect --lanes`)";

export async function answerLaneRequest(
  frame: LaneRequest,
  context: { served: boolean; realRoots: readonly string[] },
): Promise<LaneReplyFrame> {
  const result = await answer(frame, context).catch((error: unknown) =>
    failed(frame, "git_failed", errorText(error)),
  );
  return { type: "lane.reply", request_id: frame.request_id, result };
}

async function answer(
  frame: LaneRequest,
  { served, realRoots }: { served: boolean; realRoots: readonly string[] },
): Promise<LandResult | ReclaimResult> {
  // Not served here: the lane's repository is not this runner's to touch.
  if (!served) return failed(frame, "not_found", NOT_SERVED);
  return frame.type === "lane.land" ? landLane(frame, realRoots) : reclaimLane(frame.lane, realRoots);
}

function failed(
  frame: LaneRequest,
  code: "not_found" | "git_failed",
  reason: string,
): LandResult | ReclaimResult {
  return frame.type === "lane.land"
    ? { ok: false, code, reason: reason.slice(0, 4000), conflicts: [] }
    : { worktree_removed: false, branch_deleted: false, reason: reason.slice(0, 4000) };
}
