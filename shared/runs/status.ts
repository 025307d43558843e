// Run statuses as a schema, and the events that move a run between them; the lists themselves
// live in run-statuses.ts (free of zod, for the dashboard).
import { z } from "zod";
import type { EventType } from "./events.ts";
import { RUN_STATUSES, type RunStatus } from "./run-statuses.ts";

export {
  RUN_STATUSES,
  TERMINAL_STATUSES,
  isAwaitingInput,
  isTerminal,
  type RunStatus,
  type TerminalStatus,
} from "./run-statuses.ts";

export const RunStatusSchema = z.enum(RUN_STATUSES);

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
