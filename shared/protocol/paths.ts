// Absolute paths and which lies within which: the one rule the Worker places runs by and the
// runner checks its roots with. Imports neither node:* nor cloudflare:*. Lexical only — `.`, `..`,
// repeated and trailing separators are normalised; symlinks are the runner's (real paths) to follow.
import { z } from "zod";

interface ParsedPath {
  /** `/` for POSIX paths, `C:\` (upper-case drive) for Windows ones. */
  root: string;
  parts: string[];
  /** Windows paths compare without regard to case, as their file systems do by default. */
  caseless: boolean;
}

const DRIVE = /^([A-Za-z]):[\\/]/;

/** A POSIX `/…` or Windows `C:\…` (or `C:/…`) path; undefined for anything relative. */
function parsePath(path: string): ParsedPath | undefined {
  const drive = DRIVE.exec(path);
  if (!drive && !path.startsWith("/")) return undefined;
  const parts: string[] = [];
  // Backslash separates only on Windows: on POSIX it is an ordinary character of a name.
  for (const part of drive ? path.slice(3).split(/[\\/]/) : path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return drive
    ? { root: `${drive[1]!.toUpperCase()}:\\`, parts, caseless: true }
    : { root: "/", parts, caseless: false };
}

/** The normal form of an absolute path (`/a/b/../c/` → `/a/c`), or undefined if it is not absolute. */
export function normalizeAbsolutePath(path: string): string | undefined {
  const parsed = parsePath(path);
  return parsed && parsed.root + parsed.parts.join(parsed.caseless ? "\\" : "/");
}

/** True when `path` is `root` or lies below it: `/a/b` contains `/a/b/c` but not `/a/bc`. */
export function isPathWithin(path: string, root: string): boolean {
  const p = parsePath(path);
  const r = parsePath(root);
  if (!p || !r || p.root !== r.root || r.parts.length > p.parts.length) return false;
  const fold = (s: string) => (p.caseless ? s.toLowerCase() : s);
  return r.parts.every((part, i) => fold(part) === fold(p.parts[i]!));
}

/** An absolute POSIX or Windows path, parsed into its normal form. */
export const NormalizedPathSchema = z
  .string()
  .max(4096)
  .transform((path, ctx) => {
    const normal = normalizeAbsolutePath(path);
    if (normal === undefined) ctx.addIssue({ code: "custom", message: "expected an absolute path" });
    return normal ?? z.NEVER;
  });
