// Drives one agent turn for any adapter: maps the SDK's events, guarantees exactly one terminal event
// unless the turn is aborted, and leaves no process of the turn behind; and what a turn starts from.
// What the events mean is the mappers' business (codex-events.ts, claude-code-events.ts); how the
// SDK is called, the adapters'.
import { runFailed, type BackendOutput, type BackendRun } from "../../shared/backends/backend.ts";
import { isSwitchyardError } from "../../shared/errors.ts";
import { toPlainText } from "../../shared/runs/messages.ts";
import { errorText, type EventMapper, type LocalAgent } from "./agent.ts";

/** What one turn of a local agent starts from. */
export interface TurnStart {
  /** The agent's own session to resume (a codex thread, a Claude Code session); none for a new one. */
  resumeId: string | undefined;
  prompt: string;
  /** A continue turn: the session must exist, and the run has already started. */
  followUp: boolean;
}

/**
 * A local agent whose every turn is `runTurn`: a start resumes the session its run's sessionRef
 * names under `refKey` (session_mode resume) with the prompt `promptOf` makes of the run, a
 * continue the session its ref names, with the message as the prompt.
 */
export function turnAgent(
  refKey: string,
  promptOf: (run: BackendRun) => string,
  runTurn: (run: BackendRun, turn: TurnStart, signal: AbortSignal) => AsyncIterable<BackendOutput>,
): LocalAgent {
  return {
    start: (run, signal) =>
      runTurn(run, { resumeId: run.sessionRef?.[refKey], prompt: promptOf(run), followUp: false }, signal),
    continue: (run, message, signal) =>
      runTurn(run, { resumeId: run.ref[refKey], prompt: toPlainText(message), followUp: true }, signal),
  };
}
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
