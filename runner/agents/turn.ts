// Drives one agent turn for any adapter: maps the SDK's events, guarantees exactly one terminal event
// unless the turn is aborted, and leaves no process of the turn behind. What the events mean is the
// mappers' business (codex-events.ts, claude-code-events.ts); how the SDK is called, the adapters'.
import { runFailed, type BackendOutput } from "../../worker/backends/backend.ts";
import { isSwitchyardError } from "../../worker/errors.ts";
import { errorText, type EventMapper } from "./agent.ts";
import { reapMarkedProcesses } from "./process-reaper.ts";

export interface TurnSpec<T> {
  /** Agent name for messages (`codex`, `claude_code`). */
  agent: string;
  /** Starts the SDK call; called once, inside the driver, so that its errors become `run_failed`. */
  events: () => AsyncIterable<T>;
  mapper: EventMapper<T>;
  signal: AbortSignal;
  /** The TURN_MARKER_VAR value the agent process was started with. */
  marker: string;
  /** Ends the marked processes and resolves once they are gone. */
  reap?: (marker: string) => Promise<unknown>;
  /** How long the agent may take to exit by itself after its terminal event (ms); then it is ended. */
  exitGraceMs?: number;
}

export async function* driveTurn<T>(spec: TurnSpec<T>): AsyncGenerator<BackendOutput> {
  const { mapper, signal, marker, reap = reapMarkedProcesses, exitGraceMs = 5000 } = spec;
  // Kill at once on abort instead of waiting for the SDK's own grace period; the SDK then sees its
  // process gone and ends its stream.
  let reaping: Promise<unknown> | undefined;
  const end = () => void (reaping ??= reap(marker));
  signal.addEventListener("abort", end, { once: true });
  // The run has ended once its terminal event is out; an agent that does not exit soon after (a
  // process it waits for, a hang on shutdown) is ended rather than left running.
  let lingering: NodeJS.Timeout | undefined;
  try {
    if (signal.aborted) return;
    for await (const event of spec.events()) {
      if (signal.aborted) return;
      for (const output of mapper.map(event)) {
        if (signal.aborted) return;
        yield output;
      }
      if (mapper.finished()) lingering ??= setTimeout(end, exitGraceMs);
    }
    if (!mapper.finished() && !signal.aborted) {
      yield runFailed("backend_failed", `${spec.agent} ended the turn without a result`);
    }
  } catch (error) {
    // After a terminal event the SDK may still complain (codex exits 1 after turn.failed).
    if (!mapper.finished() && !signal.aborted) {
      yield runFailed(isSwitchyardError(error) ? error.code : "backend_failed", errorText(error));
    }
  } finally {
    signal.removeEventListener("abort", end);
    clearTimeout(lingering);
    await reaping;
    // Also after a normal end: whatever the agent left running (background shells) goes with the turn.
    await reap(marker);
  }
}
