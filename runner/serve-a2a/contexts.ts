// The A2A contexts this server has seen: each is one working directory, fixed by its first message
// (its `cwd` metadata, which must lie under a root) for as long as it is kept, and the agent's own
// session, resumed by every later task of the context. One task of a context runs at a time. The
// table is bounded: past its size the least recently used idle context is forgotten.
import { checkWithinRoots } from "../roots.ts";

export interface ServedContext {
  cwd: string;
  /** The agent's session handle (codex `thread_id`, Claude Code `session_id`) once a turn has one. */
  sessionRef: Record<string, string>;
  /** The task running in this context, if any. */
  runningTask: string | undefined;
  /** Settles once the processes of the context's latest turn are gone; the next turn waits for it. */
  idle: Promise<void>;
}

export type Claim = { ok: true; context: ServedContext } | { ok: false; reason: string };

/**
 * Where a message asks to work: `metadata.cwd`, or `metadata.switchyard.cwd` as Switchyard's
 * remote_a2a backend sends it. Undefined when the message names none.
 */
export function requestedCwd(metadata: Record<string, unknown> | undefined): unknown {
  if (metadata === undefined) return undefined;
  if (metadata.cwd !== undefined) return metadata.cwd;
  const switchyard = metadata.switchyard;
  return typeof switchyard === "object" && switchyard !== null
    ? (switchyard as Record<string, unknown>).cwd
    : undefined;
}

/** Contexts kept by default; a forgotten one starts afresh (new cwd choice, new agent session). */
export const MAX_CONTEXTS = 1024;

export class ContextTable {
  /** In order of last use, oldest first. */
  readonly #contexts = new Map<string, ServedContext>();
  readonly #realRoots: readonly string[];
  readonly #max: number;

  /** `realRoots`: real paths; a context whose first message names no cwd works in the first. */
  constructor(realRoots: readonly string[], max = MAX_CONTEXTS) {
    this.#realRoots = realRoots;
    this.#max = max;
  }

  /** Takes the context for `taskId`: refused when its cwd is not acceptable or another task runs in it. */
  async claim(contextId: string, cwd: unknown, taskId: string): Promise<Claim> {
    if (cwd !== undefined && typeof cwd !== "string")
      return { ok: false, reason: "metadata.cwd: expected an absolute path as a string" };
    const known = this.#contexts.get(contextId);
    const checked = known && cwd === undefined ? undefined : await this.#check(cwd ?? this.#realRoots[0]!);
    if (checked && !checked.ok) return checked;
    // Another message of the context may have claimed it while the path was being checked.
    const context = this.#contexts.get(contextId);
    if (context === undefined) {
      const created = { cwd: checked!.path, sessionRef: {}, runningTask: taskId, idle: Promise.resolve() };
      this.#contexts.set(contextId, created);
      this.#forgetBeyondMax();
      return { ok: true, context: created };
    }
    if (checked && checked.path !== context.cwd)
      return {
        ok: false,
        reason: `metadata.cwd: context ${contextId} works in ${context.cwd}; it cannot move to ${checked.path}`,
      };
    if (context.runningTask !== undefined && context.runningTask !== taskId)
      return { ok: false, reason: `context ${contextId} is busy with task ${context.runningTask}` };
    context.runningTask = taskId;
    this.#contexts.delete(contextId);
    this.#contexts.set(contextId, context);
    return { ok: true, context };
  }

  /** Drops the least recently used contexts with no running task until the table fits. */
  #forgetBeyondMax(): void {
    for (const [id, context] of this.#contexts) {
      if (this.#contexts.size <= this.#max) return;
      if (context.runningTask === undefined) this.#contexts.delete(id);
    }
  }

  /** The task's turn is over: the context takes the next one. */
  release(context: ServedContext, taskId: string): void {
    if (context.runningTask === taskId) context.runningTask = undefined;
  }

  async #check(cwd: string): Promise<{ ok: true; path: string } | { ok: false; reason: string }> {
    const result = await checkWithinRoots("metadata.cwd", cwd, this.#realRoots);
    return result.ok ? result : { ok: false, reason: result.reason };
  }
}
