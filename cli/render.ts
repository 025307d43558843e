// How runs and events look in a terminal: one line per event, one row per run, and the progress
// line a TTY shows under them. Pure functions of what the tools answered.
import type { RunEvent } from "../shared/runs/events.ts";
import { isAwaitingInput, type RunStatus } from "../shared/runs/status.ts";

type Data = Record<string, any>;

/** Newlines folded and long texts cut, so every event stays on one line. */
function oneLine(text: unknown, max = 160): string {
  const flat = String(text ?? "")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const partsText = (parts: unknown) =>
  Array.isArray(parts)
    ? parts.map((p: Data) => p.text ?? (p.data ? JSON.stringify(p.data) : "")).join(" ")
    : "";

/** What each event type says in a few words; types not listed show their data as JSON. */
const SUMMARIES: Partial<Record<RunEvent["type"], (d: Data) => string>> = {
  status_changed: (d) => `${d.from} → ${d.to}${d.reason ? ` (${d.reason})` : ""}`,
  agent_message: (d) => oneLine(d.text),
  reasoning: (d) => oneLine(d.text),
  message_added: (d) => `${d.role}: ${oneLine(partsText(d.parts))}`,
  command_started: (d) => `$ ${oneLine(d.command)}`,
  command_updated: (d) => `$ ${oneLine(d.command)}`,
  command_finished: (d) => `$ ${oneLine(d.command)} → exit ${d.exit_code ?? "?"}`,
  file_changed: (d) =>
    Array.isArray(d.changes) ? d.changes.map((c: Data) => `${c.kind} ${c.path}`).join(", ") : oneLine(d.path),
  tool_started: (d) => String(d.name),
  tool_finished: (d) => `${d.name} ${d.status ?? ""}`.trim(),
  artifact_added: (d) => `${d.name ?? d.artifact_id}${d.append ? " (more)" : ""}`,
  todo_updated: (d) =>
    Array.isArray(d.items) ? `${d.items.filter((i: Data) => i.completed).length}/${d.items.length} done` : "",
  usage: (d) => `${d.input_tokens ?? 0} in, ${d.output_tokens ?? 0} out`,
  input_required: (d) => oneLine(d.message),
  auth_required: (d) => oneLine(d.message),
  approval_resolved: (d) => (d.approve ? "approved" : "denied"),
  run_completed: (d) => oneLine(d.final_response),
  run_failed: (d) => `${d.error?.code ?? "failed"}: ${oneLine(d.error?.message)}`,
  rejected: (d) => oneLine(d.reason),
};

/** `#3  19:55:18  agent_message     step 1` */
export function renderEvent(event: Pick<RunEvent, "seq" | "ts" | "type" | "data">): string {
  const summary = SUMMARIES[event.type]?.(event.data) ?? oneLine(JSON.stringify(event.data));
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
