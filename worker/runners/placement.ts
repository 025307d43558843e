// Which connected runner takes a run: one that has the backend installed, matches the requested
// name and labels, has a root containing the run's cwd, and has a free slot — the most free slots
// first. Pure, so it is tested alone.
import type { ProbedBackend } from "../../shared/protocol/frames.ts";
import { isPathWithin } from "../../shared/protocol/paths.ts";

export interface RunnerInfo {
  name: string;
  labels: Record<string, string>;
  max_runs: number;
  backends: ProbedBackend[];
  /** Absolute, normalised directories it takes runs in (at or below). */
  roots: string[];
  /** Runs currently assigned to it. */
  active: number;
}

/** What a run asks of its runner (backend_config.runner / runner_labels). */
export interface RunnerPick {
  backend: string;
  runner?: string;
  runner_labels?: Record<string, string>;
  /** The run's working directory; a run without one works in the runner's first root. */
  cwd?: string;
  /** The lane whose worktree the run works in (its runner must serve lanes; see worker/lanes/). */
  lane?: string;
}

const canRun = (r: RunnerInfo, backend: string) =>
  r.backends.some((b) => b.backend === backend && b.installed);
const matches = (r: RunnerInfo, pick: RunnerPick) =>
  (pick.runner === undefined || r.name === pick.runner) &&
  Object.entries(pick.runner_labels ?? {}).every(([k, v]) => r.labels[k] === v);
// The runner checks again against real paths (symlinks) and refuses what this lets through.
const hasRoot = (r: RunnerInfo, cwd: string | undefined) =>
  cwd === undefined || r.roots.some((root) => isPathWithin(cwd, root));
/** Roots shown in a queued run's reason; more are summarised. */
const ROOTS_SHOWN = 6;

export function pickRunner(runners: readonly RunnerInfo[], pick: RunnerPick): RunnerInfo | undefined {
  return runners
    .filter(
      (r) => canRun(r, pick.backend) && matches(r, pick) && hasRoot(r, pick.cwd) && r.active < r.max_runs,
    )
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
    pick.runner ? `named "${pick.runner}"${pick.lane ? ` (lane "${pick.lane}" works there)` : ""}` : "",
    pick.runner_labels ? `labelled ${JSON.stringify(pick.runner_labels)}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  if (runners.length === 0)
    return `waiting for a runner: none is connected (start one with switchyard-runner connect)`;
  const matching = runners.filter((r) => matches(r, pick));
  if (matching.length === 0)
    return (
      `waiting for a runner ${wanted}: none of the ${runners.length} connected runners matches` +
      (pick.lane ? " (lane runs need a runner started with switchyard-runner connect --lanes)" : "")
    );
  const capable = matching.filter((r) => canRun(r, pick.backend));
  if (capable.length === 0)
    return `waiting for a runner with ${pick.backend} installed: connected runners do not have it`;
  const rooted = capable.filter((r) => hasRoot(r, pick.cwd));
  if (rooted.length === 0) {
    const roots = [...new Set(capable.flatMap((r) => r.roots))];
    const shown = roots.slice(0, ROOTS_SHOWN).join(", ") + (roots.length > ROOTS_SHOWN ? ", …" : "");
    return (
      `waiting for a runner with a root containing cwd ${pick.cwd}: no connected runner has one ` +
      `(their roots: ${shown}); start one with switchyard-runner connect --root DIR`
    );
  }
  return `waiting for a free slot: all ${rooted.length} runners that can run ${pick.backend} are busy`;
}
