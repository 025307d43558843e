// Reconnect delays for the runner link: pure math, no timers, so tests fix them through `random`.
// When the attempt counter resets is the dialer's business (it knows how long a link stayed up).

export interface BackoffOptions {
  /** Ceiling of the first retry's delay (ms); doubles with every attempt. */
  baseMs: number;
  /** No delay is ever longer than this (ms). */
  capMs: number;
  /** Uniform in [0, 1); injected so tests get fixed delays. */
  random: () => number;
}

/**
 * Production defaults: the first retry within 0.1 s (a dropped link that was working is most
 * often back at once; BENCHMARKS.md "runner relay"), doubling to never more than 30 s apart.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 30_000, random: Math.random };

/**
 * "Full jitter": a uniform delay between 0 and min(cap, base · 2^attempt) ms, so runners that lost
 * the Worker together do not all dial again in the same instant. `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  // Past 2^30 the ceiling is the cap anyway; stop there so the power cannot overflow to Infinity.
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(options.random() * ceiling);
}
