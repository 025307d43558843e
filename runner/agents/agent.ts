// The seam between the runner link and a local coding agent (codex, claude_code), written from the
// link's side, plus the completion and notice events the adapters emit (a failure is backend.ts's
// runFailed, shared with the edge). Adapters live beside it; how a turn is driven is in turn.ts.
import { emit, type BackendOutput, type BackendRun } from "../../shared/backends/backend.ts";
import { clip, errorMessage } from "../../shared/backends/error-text.ts";
import type { InputMessage } from "../../shared/runs/messages.ts";

/**
 * A local agent yields the same outputs as an edge backend. Every turn ends with exactly one
 * `run_completed` or `run_failed`, except when `signal` aborts: then the iterator ends without a
 * terminal event (the caller records the cancellation) and only after the agent's processes are gone.
 */
export interface LocalAgent {
  /** Starts a new turn (new session, or resume when run.sessionRef has this agent's session id). */
  start(run: BackendRun, signal: AbortSignal): AsyncIterable<BackendOutput>;
  /** A follow-up turn in the same session (run.ref holds the session/thread id). */
  continue(run: BackendRun, message: InputMessage, signal: AbortSignal): AsyncIterable<BackendOutput>;
}

/** Translates one agent SDK's event stream into normalized outputs, one SDK event at a time. */
export interface EventMapper<T> {
  map(event: T): BackendOutput[];
  /** True once the mapper produced `run_completed` or `run_failed`. */
  finished(): boolean;
}

export const runCompleted = (finalResponse: string, structuredOutput?: unknown): BackendOutput =>
  emit("run_completed", {
    final_response: finalResponse,
    ...(structuredOutput === undefined ? {} : { structured_output: structuredOutput }),
  });

/**
 * Something the agent reported that does not end its turn (a retry, a transport fallback, a model
 * swap): the run stays running and the log says why it is slow or different.
 */
export const notice = (text: string, fields: Record<string, unknown> = {}): BackendOutput =>
  emit("message_added", { role: "system", level: "warning", text, ...fields });

/** Longest error text carried in an event; agent stderr can be long and says little past the start. */
const MAX_ERROR_CHARS = 2000;

/** An error as event text: its message and cause, bounded. */
export const errorText = (error: unknown): string => clip(errorMessage(error), MAX_ERROR_CHARS);
