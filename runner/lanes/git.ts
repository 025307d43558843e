// Runs git for the lanes: argv only (no shell), and a failure names the command and git's own words.
// The runner's git never runs hooks or an fsmonitor command: an agent that wrote into a worktree
// must not get code run by the runner's commit, status or merge.
import { execFile } from "node:child_process";

/** A git command exited with a code the caller did not expect. */
export class GitError extends Error {
  override name = "GitError";
  readonly exitCode: number | null;
  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    super(`git ${args.join(" ")} failed${exitCode === null ? "" : ` (exit ${exitCode})`}: ${stderr.trim()}`);
    this.exitCode = exitCode;
  }
}

export interface GitResult {
  stdout: string;
  exitCode: number;
}

/** Where a git command works: a directory, or a worktree named by its administrative git dir. */
export type GitPlace = string | { gitDir: string; workTree: string };

/** Prepended to every command: no hooks, no fsmonitor, paths printed as they are. */
const SAFE_CONFIG = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.quotePath=false",
];

/** A patch bigger than this is an error rather than a runner holding it all in memory. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** The runner's environment minus what would point git elsewhere, never prompting, in English. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
  for (const name of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY"])
    delete env[name];
  return env;
}

/**
 * Runs `git args` at `place`; resolves with stdout when the exit code is 0 or one of `okCodes`
 * (e.g. 1 for `diff --quiet`), rejects with a GitError otherwise.
 */
export function git(
  place: GitPlace,
  args: readonly string[],
  okCodes: readonly number[] = [],
): Promise<GitResult> {
  const located =
    typeof place === "string"
      ? ["-C", place]
      : [`--git-dir=${place.gitDir}`, `--work-tree=${place.workTree}`];
  const cwd = typeof place === "string" ? place : place.workTree;
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...SAFE_CONFIG, ...located, ...args],
      { cwd, env: gitEnv(), maxBuffer: MAX_OUTPUT_BYTES, encoding: "utf8" },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === "number" ? error.code : null) : 0;
        if (exitCode === 0 || (exitCode !== null && okCodes.includes(exitCode)))
          resolve({ stdout, exitCode });
        else reject(new GitError(args, exitCode, stderr || String(error?.message ?? "")));
      },
    );
  });
}

/** The trimmed stdout of a command expected to succeed. */
export const gitLine = async (place: GitPlace, args: readonly string[]): Promise<string> =>
  (await git(place, args)).stdout.trim();

/** The commit `ref` names in the repository at `place`, or undefined when it names none. */
export async function commitOf(place: GitPlace, ref: string): Promise<string | undefined> {
  const { stdout, exitCode } = await git(place, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], [1]);
  return exitCode === 0 ? stdout.trim() : undefined;
}

/** `-c` options giving commits the runner's identity when git knows none (no user.email anywhere). */
export async function commitIdentity(place: GitPlace): Promise<string[]> {
  const email = await git(place, ["config", "user.email"], [1]);
  if (email.exitCode === 0) return [];
  return ["-c", "user.name=Switchyard runner", "-c", "user.email=switchyard-runner@localhost"];
}
