// Run statuses, which of them are final and which wait for input. Events move a run between them
// (run-record.ts statusAfter); only a cancel and a live continue set one directly (the run's object).
import { z } from "zod";

export const RUN_STATUSES = [
  "queued",
  "running",
  "input_required",
  "auth_required",
  "completed",
  "failed",
  "cancelled",
  "rejected",
] as const;

export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

const TERMINAL: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled", "rejected"]);

/** A terminal run never changes status again; late events are still logged. */
export function isTerminal(status: RunStatus): boolean {
  return TERMINAL.has(status);
}

/** Statuses in which the agent waits for `continue_run`. */
export function isAwaitingInput(status: RunStatus): boolean {
  return status === "input_required" || status === "auth_required";
}
