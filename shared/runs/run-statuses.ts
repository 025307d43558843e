// Run statuses, which of them are terminal, and which wait for an answer — plain lists without
// zod, so the dashboard's bundle can take them without the schema library (status.ts adds the schema).
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

export type RunStatus = (typeof RUN_STATUSES)[number];

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

/** Statuses in which the agent waits for `continue_run`. */
export function isAwaitingInput(status: RunStatus): boolean {
  return status === "input_required" || status === "auth_required";
}
