// Run statuses, which of them are terminal, and the events that move a run between them.
import { z } from "zod";
import type { EventType } from "./events.ts";

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

/** Statuses a run never leaves; late events are still logged. */
export const TERMINAL_STATUSES = [
  "completed",
  "failed",
  "cancelled",
  "rejected",
] as const satisfies readonly RunStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

const TERMINAL: ReadonlySet<RunStatus> = new Set(TERMINAL_STATUSES);

/** A terminal run never changes status again; late events are still logged. */
export function isTerminal(status: RunStatus): status is TerminalStatus {
  return TERMINAL.has(status);
}

/** The status each event type moves a live run to; every other type leaves the status as it is. */
const STATUS_AFTER: Partial<Record<EventType, RunStatus>> = {
  run_started: "running",
  input_required: "input_required",
  approval_resolved: "running",
  auth_required: "auth_required",
  run_completed: "completed",
  run_failed: "failed",
  rejected: "rejected",
};

/** The status an event moves a live run to, if any: a run's status follows its events. */
export const statusAfter = (event: { type: EventType }): RunStatus | undefined => STATUS_AFTER[event.type];

/** Statuses in which the agent waits for `continue_run`. */
export function isAwaitingInput(status: RunStatus): boolean {
  return status === "input_required" || status === "auth_required";
}
