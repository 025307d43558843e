// The runner link's timings from the Worker's variables, read by the tenant's hub and by each
// runner's object alike.
import type { Env } from "../env.ts";

/** A positive number of seconds from a variable, or `fallback` when unset or not one. */
export const seconds = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export const linkTimings = (env: Env) => ({
  /** How often runners ping; a link silent for three of these is dead. */
  heartbeatMs: seconds(env.SWITCHYARD_RUNNER_HEARTBEAT_S, 15) * 1000,
  /** How long a gone runner keeps its runs, and an ended run still takes its last holder's late outputs. */
  graceMs: seconds(env.SWITCHYARD_RUNNER_GRACE_S, 60) * 1000,
});
