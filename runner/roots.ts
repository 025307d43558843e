// Where runs may work on this machine: a dispatched cwd (and a profile file) must be at or below
// one of the runner's --root directories. Real paths are compared, so `..` and symlinks cannot
// lead outside. Reports the outcome; what a refusal looks like on the wire is runner.ts's business.
import { realpath } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { isPathWithin, normalizeAbsolutePath } from "../shared/protocol/paths.ts";

export type RootCheck = { ok: true; path: string } | { ok: false; reason: string; outside: boolean };

/** The real paths of the configured roots; a root that does not exist is an error naming it. */
export async function resolveRoots(roots: readonly string[]): Promise<string[]> {
  return Promise.all(
    roots.map((root) =>
      realpath(root).catch((error: unknown) => {
        throw new Error(
          `--root ${root}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory" : String(error)}`,
        );
      }),
    ),
  );
}

/**
 * The roots the runner tells the Worker, which places runs by their cwd as written: each root as
 * configured and as its real path (they differ where a symlink leads to it), normalised, once each.
 */
export function reportedRoots(configured: readonly string[], real: readonly string[]): string[] {
  return [...new Set([...configured, ...real].flatMap((root) => normalizeAbsolutePath(root) ?? []))];
}

/**
 * Resolves `path` (absolute, or relative to `base`) to its real path and checks it lies within
 * one of `realRoots`. `what` names the path in reasons (`cwd`, `profile_path`).
 */
export async function checkWithinRoots(
  what: string,
  path: string,
  realRoots: readonly string[],
  base?: string,
): Promise<RootCheck> {
  if (base === undefined && !isAbsolute(path))
    return { ok: false, outside: false, reason: `${what} ${path} is not an absolute path` };
  const real = await realpath(base === undefined ? path : resolve(base, path)).catch(() => undefined);
  if (real === undefined)
    return { ok: false, outside: false, reason: `${what} ${path} does not exist on this machine` };
  if (realRoots.some((root) => isPathWithin(real, root))) return { ok: true, path: real };
  const shown = real === path ? path : `${path} (${real})`;
  return { ok: false, outside: true, reason: `${what} ${shown} is outside roots ${realRoots.join(", ")}` };
}
