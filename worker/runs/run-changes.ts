// What the tenant does with a run's delivered change. Deliveries repeat and may arrive out of
// order: the index row takes only a newer version, and what the run's end sets off is done until
// it has been done once, then never again.
import type { RunChange, RunIndex } from "./run-index.ts";
import { isTerminal } from "../../shared/runs/status.ts";

export interface RunChangeEffects {
  /** Stops the live runs of a tree past its token budget; safe to repeat. */
  enforceTreeBudget(rootRunId: string): Promise<void>;
  /** What the run's end sets off (its runner told, its slot freed, its review loop); each step safe to repeat. */
  onEnded(change: RunChange, laneId: string | null): Promise<void>;
  /** A run of a lane has started (told on every delivery from then on; safe to repeat). */
  onLaneRunStarted(runId: string, laneId: string): void;
}

/** Resolves once the change is applied: only then may the run count it as delivered. */
export async function applyRunChange(
  index: RunIndex,
  change: RunChange,
  effects: RunChangeEffects,
): Promise<void> {
  index.applyChange(change);
  const row = index.row(change.run_id);
  if (!row) return;
  if (row.lane_id !== null && change.started_at !== null)
    effects.onLaneRunStarted(change.run_id, row.lane_id);
  // Every delivery checks the budget, so one whose check failed half-way is checked again.
  await effects.enforceTreeBudget(row.root_run_id);
  if (!isTerminal(change.status) || row.end_handled) return;
  await effects.onEnded(change, row.lane_id);
  index.markEndHandled(change.run_id);
}
