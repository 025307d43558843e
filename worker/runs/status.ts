// Run statuses and the only transitions between them (DESIGN.md "Runs, statuses, events").
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
