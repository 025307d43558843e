// What an event says in a few words, on one line: the terminal view and the dashboard both show
// events this way. Pure functions of the event as poll_events answers it.
import type { RunEvent } from "./events.ts";

type Data = Record<string, any>;

/** Newlines folded and long texts cut, so every event stays on one line. */
export function oneLine(text: unknown, max = 160): string {
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

/** The event's few words: `queued → running`, `step 1`, `$ npm test → exit 0` … */
export const eventSummary = (event: Pick<RunEvent, "type" | "data">): string =>
  SUMMARIES[event.type]?.(event.data) ?? oneLine(JSON.stringify(event.data));
