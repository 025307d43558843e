// What a lane adds to a turn of a lane run: the commit the turn starts from, and — once the agent
// is done, before the run's ending event goes out — its recorded changes, then the test gate.
import type { BackendOutput } from "../../shared/backends/backend.ts";
import type { LaneWorkspace } from "../../shared/lanes/lane-work.ts";
import type { NewEvent } from "../../shared/runs/events.ts";
import { errorText, notice } from "../agents/agent.ts";
import { recordChanges } from "./changes.ts";
import { gitLine } from "./git.ts";
import { runTestGate } from "./test-gate.ts";
import { serialized, type LaneTree } from "./worktree.ts";

export interface LaneTurnContext {
  tree: LaneTree;
  lane: LaneWorkspace;
  runId: string;
  role: string;
  /** Tags the test command's processes as the run's (process-reaper.ts). */
  marker: string;
  signal: AbortSignal;
}

/** The worktree's HEAD as a turn starts. */
export const turnStart = (tree: LaneTree): Promise<string> => gitLine(tree.place, ["rev-parse", "HEAD"]);

/**
 * The lane's outputs after a turn that began at `start` and ended with `ending`. A failure to
 * record is reported as a notice: the run still ends as the agent ended it.
 */
export async function* afterLaneTurn(
  context: LaneTurnContext,
  start: string,
  ending: NewEvent,
): AsyncGenerator<BackendOutput> {
  const { tree, lane, signal } = context;
  try {
    // One index per tree: turns of two runs of a lane (the queue runs one at a time) never interleave.
    const { outputs } = await serialized(tree.path, () =>
      recordChanges(tree, lane, {
        runId: context.runId,
        role: context.role,
        answer: answerOf(ending),
        start,
      }),
    );
    yield* outputs;
    if (lane.test_command === undefined || signal.aborted) return;
    const gate = await runTestGate(tree.path, { ...lane, test_command: lane.test_command }, context);
    yield* gate.outputs;
  } catch (error) {
    yield notice(`recording the lane's changes failed: ${errorText(error)}`, { lane_id: lane.lane_id });
  }
}

/** The final answer of a completed turn, or what a failed one said. */
function answerOf(ending: NewEvent): string | undefined {
  const { final_response, error } = ending.data as {
    final_response?: unknown;
    error?: { message?: unknown };
  };
  if (typeof final_response === "string") return final_response;
  return typeof error?.message === "string" ? error.message : undefined;
}
