// Which connected runner takes a run: one that has the backend installed, matches the requested
// name and labels, and has a free slot — the most free slots first. Pure, so it is tested alone.
import type { ProbedBackend } from "../protocol/frames.ts";

export interface RunnerInfo {
  name: string;
  labels: Record<string, string>;
  max_runs: number;
  backends: ProbedBackend[];
  /** Runs currently assigned to it. */
  active: number;
}

/** What a run asks of its runner (backend_config.runner / runner_labels). */
export interface RunnerPick {
  backend: string;
  runner?: string;
  runner_labels?: Record<string, string>;
}

const canRun = (r: RunnerInfo, backend: string) =>
  r.backends.some((b) => b.backend === backend && b.installed);
const matches = (r: RunnerInfo, pick: RunnerPick) =>
  (pick.runner === undefined || r.name === pick.runner) &&
  Object.entries(pick.runner_labels ?? {}).every(([k, v]) => r.labels[k] === v);

export function pickRunner(runners: readonly RunnerInfo[], pick: RunnerPick): RunnerInfo | undefined {
  return runners
    .filter((r) => canRun(r, pick.backend) && matches(r, pick) && r.active < r.max_runs)
    .sort(
      (a, b) =>
        b.max_runs - b.active - (a.max_runs - a.active) ||
        a.active - b.active ||
        a.name.localeCompare(b.name),
    )[0];
}

/** Why a run waits, in words a user can act on (shown as the queued run's status_reason). */
export function whyQueued(runners: readonly RunnerInfo[], pick: RunnerPick): string {
  const wanted = [
    pick.runner ? `named "${pick.runner}"` : "",
    pick.runner_labels ? `labelled ${JSON.stringify(pick.runner_labels)}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  if (runners.length === 0)
    return `waiting for a runner: none is connected (start one with switchyard-runner connect)`;
  const matching = runners.filter((r) => matches(r, pick));
  if (matching.length === 0)
    return `waiting for a runner ${wanted}: none of the ${runners.length} connected runners matches`;
  const capable = matching.filter((r) => canRun(r, pick.backend));
  if (capable.length === 0)
    return `waiting for a runner with ${pick.backend} installed: connected runners do not have it`;
  return `waiting for a free slot: all ${capable.length} runners that can run ${pick.backend} are busy`;
}
