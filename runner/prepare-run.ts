// Turns a `run.dispatch` into the BackendRun an agent starts from, or into the refusal the Worker
// gets: the backend must be runnable here, and cwd and a profile file must lie within the roots;
// a lane run works in its lane's worktree (added on its first run). Slots and the agent's
// lifecycle are runner.ts's business.
import { readFile } from "node:fs/promises";
import type { BackendRun } from "../shared/backends/backend.ts";
import type { DispatchFrame } from "../shared/protocol/frames.ts";
import { fromDispatch } from "../shared/runs/run-spec.ts";
import { NOT_SERVED } from "./lanes/lane-requests.ts";
import { openTree, type LaneTree } from "./lanes/worktree.ts";
import type { RefusedFrame } from "./link/dialer.ts";
import { checkWithinRoots } from "./roots.ts";

export type Refusal = Pick<RefusedFrame, "code" | "reason">;
/** `tree`: a lane run's worktree, its cwd. */
export type Prepared = { ok: true; spec: BackendRun; tree?: LaneTree } | ({ ok: false } & Refusal);

export interface PrepareContext {
  /** Real paths of the runner's roots; a dispatch without cwd works in the first. */
  realRoots: readonly string[];
  /** Backends this runner has an agent for and found installed. */
  runnable: ReadonlySet<string>;
  /** Whether this runner serves lanes (`connect --lanes`); not by default. */
  lanes?: boolean;
}

export async function prepareRun(frame: DispatchFrame, context: PrepareContext): Promise<Prepared> {
  const { realRoots, runnable } = context;
  if (!runnable.has(frame.backend)) {
    const have = runnable.size ? [...runnable].join(", ") : "none";
    return refuse(
      "backend_unavailable",
      `backend ${frame.backend} is not available on this runner (available: ${have})`,
    );
  }
  let tree: LaneTree | undefined;
  if (frame.lane) {
    if (!context.lanes) return refuse("bad_request", `run ${frame.run_id} is a lane run: ${NOT_SERVED}`);
    const opened = await openTree(frame.lane, realRoots);
    if (!opened.ok) return refuse(opened.code, opened.reason);
    tree = opened.tree;
  }
  // A lane run works in its worktree, whatever cwd says.
  const cwd = await checkWithinRoots("cwd", tree?.path ?? frame.cwd ?? realRoots[0]!, realRoots);
  if (!cwd.ok) return refuse(cwd.outside ? "cwd_outside_roots" : "bad_request", cwd.reason);
  const profile = await profileText(frame, cwd.path, realRoots);
  if (!profile.ok) return profile;
  return { ok: true, spec: fromDispatch(frame, { cwd: cwd.path, profile_text: profile.text }), tree };
}

/** `profile_text` as given, else the file `profile_path` names (relative to cwd, within the roots). */
async function profileText(
  frame: DispatchFrame,
  cwd: string,
  realRoots: readonly string[],
): Promise<{ ok: true; text: string | undefined } | ({ ok: false } & Refusal)> {
  if (frame.profile_text !== undefined || frame.profile_path === undefined)
    return { ok: true, text: frame.profile_text };
  const file = await checkWithinRoots("profile_path", frame.profile_path, realRoots, cwd);
  if (!file.ok) return refuse("bad_request", file.reason);
  try {
    return { ok: true, text: await readFile(file.path, "utf8") };
  } catch (error) {
    return refuse(
      "bad_request",
      `profile_path ${frame.profile_path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

function refuse(code: Refusal["code"], reason: string): { ok: false } & Refusal {
  return { ok: false, code, reason };
}
