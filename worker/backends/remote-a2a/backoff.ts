// Waiting between attempts to reach a remote agent: how long (the shared backoff math with this
// backend's bounds) and an abortable sleep.
import { backoffDelay, type BackoffOptions } from "../../../shared/backoff.ts";

/** The first retry within 250 ms, doubling to never more than 4 s apart. */
export const AGENT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 4_000, random: Math.random };

/** Delay before retry `attempt` (1-based), in ms. */
export const agentRetryMs = (attempt: number, options = AGENT_BACKOFF): number =>
  backoffDelay(attempt - 1, options);

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
