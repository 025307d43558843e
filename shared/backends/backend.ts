// The seam between a run and whatever executes it at the edge. Written from the RunObject's side:
// a backend turns a run into a stream of normalized events and accepts continue and cancel.
// Where a run goes (edge or runner) is decided in registry.ts, not here.
import type { ErrorCode } from "../errors.ts";
import type { NewEvent } from "../runs/events.ts";
import type { InputMessage } from "../runs/messages.ts";
import type { BackendSpec } from "../runs/run-spec.ts";

/**
 * Everything a backend needs to drive one run: its spec (runs/run-spec.ts, built by toBackendRun)
 * and the run's public handle and private state. Secrets are kept apart from the public config.
 */
export type BackendRun = BackendSpec & {
  runId: string;
  cwd?: string;
  metadata?: Record<string, unknown>;
  /** Secret part of backend_config (tokens, headers, API keys). Never logged or stored in events. */
  secrets: Record<string, unknown>;
  /** Public handle of the remote work so far (task id, context id, thread id …). */
  ref: Record<string, string>;
  /** Private progress marker last checkpointed by this backend, handed back on recovery. */
  checkpoint?: unknown;
};

/**
 * What a backend yields. Events go to the log in order; `ref` updates the run's public remote
 * handle; `checkpoint` is stored with the events before it, so recovery resumes exactly after them.
 */
export type BackendOutput =
  | { kind: "event"; event: NewEvent }
  | { kind: "ref"; ref: Record<string, string> }
  | { kind: "checkpoint"; state: unknown };

/**
 * How a stream may end besides finishing the turn: an agent that offers no stream is asked again
 * later, on an alarm of the run's object, instead of by a loop that keeps the object busy.
 */
export interface StreamEnd {
  /** Call `recover` again after this many ms. */
  pollAfterMs?: number;
}

export type BackendStream = AsyncGenerator<BackendOutput, StreamEnd | void>;

/**
 * The run's status follows from the events: `run_started` (and `approval_resolved`) → running, `input_required`,
 * `auth_required`, and the terminal `run_completed`, `run_failed`, `rejected`. A stream that ends
 * without one of these while the run is still running is recovered (see `recover`).
 */
export interface EdgeBackend {
  /** Sends the first message and streams the agent's work. */
  start(run: BackendRun, signal: AbortSignal): BackendStream;
  /** Sends a follow-up on the same remote task/conversation (input_required, auth_required, resume). */
  continue(run: BackendRun, message: InputMessage, signal: AbortSignal): BackendStream;
  /** Re-attaches after a dropped stream or an object restart and yields only what is new. */
  recover(run: BackendRun, signal: AbortSignal): BackendStream;
  /** Asks the remote side to stop. The run's object records the cancellation itself. */
  cancel(run: BackendRun): Promise<void>;
}

/** Helpers so adapters read as a list of what happened. */
export const emit = (type: NewEvent["type"], data: NewEvent["data"] = {}): BackendOutput => ({
  kind: "event",
  event: { type, data },
});

/** The turn failed: the run fails with `code` and a message saying what went wrong (no secrets). */
export const runFailed = (code: ErrorCode, message: string): BackendOutput =>
  emit("run_failed", { error: { code, message } });
