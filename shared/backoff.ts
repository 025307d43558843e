// Delays between retries, as pure math (no timers, so tests fix them through `random`): a ceiling doubling from a base up to a cap, and
// a jittered delay below it. Used by the runner link's reconnects, the edge's retries of a remote
// agent, the run-change outbox and webhook deliveries; when an attempt counter resets is each caller's business.

export interface BackoffOptions {
  /** Ceiling of the first retry's delay (ms); doubles with every attempt. */
  baseMs: number;
  /** No delay is ever longer than this (ms). */
  capMs: number;
  /** Uniform in [0, 1); injected so tests get fixed delays. */
  random: () => number;
}

/** min(cap, base · 2^attempt) ms; `attempt` counts from 0, and a negative one counts as 0. */
export function backoffCeiling(attempt: number, options: Pick<BackoffOptions, "baseMs" | "capMs">): number {
  // Past 2^30 the ceiling is the cap anyway; stop there so the power cannot overflow to Infinity.
  return Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
}

/**
 * "Full jitter": a uniform delay between 0 and the ceiling of `attempt` (ms), so clients that lost
 * their peer together do not all try again in the same instant.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  return Math.floor(options.random() * backoffCeiling(attempt, options));
}

/**
 * "Equal jitter": the upper half of the ceiling of `attempt` fixed, the lower half random (ms), for
 * retries that must wait at least half their ceiling (the run-change outbox, webhook deliveries).
 */
export function backoffHalfJitter(attempt: number, options: BackoffOptions): number {
  const ceiling = backoffCeiling(attempt, options);
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}
