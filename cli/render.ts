// How runs and events look in a terminal: one line per event, one row per run, and the progress
// line a TTY shows under them. Pure functions of what the tools answered.
import type { RunEvent } from "../shared/runs/events.ts";
import { eventSummary, oneLine } from "../shared/runs/event-summary.ts";
import { isAwaitingInput, type RunStatus } from "../shared/runs/status.ts";

type Data = Record<string, any>;

/** `#3  19:55:18  agent_message     step 1` */
export function renderEvent(event: Pick<RunEvent, "seq" | "ts" | "type" | "data">): string {
  const summary = eventSummary(event);
  const time = event.ts.slice(11, 19);
  return `#${String(event.seq).padEnd(4)} ${time}  ${event.type.padEnd(17)} ${summary}`.trimEnd();
}

/** The progress line under the events on a TTY: where the run stands, and what a waiting run needs. */
export function progressLine(runId: string, status: RunStatus, events: number): string {
  const hint = isAwaitingInput(status)
    ? `answer with: switchyard continue ${runId} -p "…"`
    : "Ctrl-C stops watching, not the run";
  return `${runId}  ${status}  ${events} event${events === 1 ? "" : "s"}  (${hint})`;
}

const RUN_COLUMNS = ["run_id", "status", "backend", "role", "agent_name", "created_at", "summary"] as const;

/** Runs as aligned columns under a header. */
export function renderRunTable(runs: Data[]): string[] {
  const cells = [
    RUN_COLUMNS.map((c) => c.toUpperCase()),
    ...runs.map((run) => RUN_COLUMNS.map((c) => oneLine(run[c] ?? "", 60))),
  ];
  const widths = RUN_COLUMNS.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
}
