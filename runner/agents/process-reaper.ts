// Ends every process of an agent turn, those of a runner that dies (its guard), and those an earlier
// runner left behind. Agent processes are tagged by environment variables the adapter passes: the
// turn's marker and the runner process that started it; commands the agent starts inherit them, so
// they are found too (codex's sandbox helpers, Claude Code's shells), even once re-parented. Linux
// only (/proc); elsewhere the SDKs' own kill is all there is.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** The environment variable that tags an agent turn's processes. */
export const TURN_MARKER_VAR = "SWITCHYARD_TURN";
/** Names the runner process (`pid:start time`) that started a turn; its orphans outlive it. */
export const RUNNER_TAG_VAR = "SWITCHYARD_RUNNER_PROCESS";

export function newTurnMarker(): string {
  return randomUUID();
}

/** The agent's environment: `base` (unset values dropped) plus the turn's marker and this runner's tag. */
export function withTurnMarker(
  base: Record<string, string | undefined>,
  marker: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  env[TURN_MARKER_VAR] = marker;
  env[RUNNER_TAG_VAR] = OWN_TAG;
  return env;
}

export interface ReapOptions {
  /** How long processes get after SIGTERM before SIGKILL (ms). */
  graceMs?: number;
  /** Gives up waiting for killed processes to vanish after this long (ms). */
  timeoutMs?: number;
  procRoot?: string;
}

/** Pids of live processes whose environment carries `TURN_MARKER_VAR=marker`. */
export function findMarkedProcesses(marker: string, procRoot = "/proc"): Promise<number[]> {
  const needle = `${TURN_MARKER_VAR}=${marker}`;
  return findProcesses((environ) => environ.includes(needle), procRoot);
}

/**
 * Pids of live agent processes whose runner is gone: it was SIGKILLed or crashed, so nothing will
 * ever report or end their runs. A tag whose pid now belongs to a newer process counts as gone.
 */
export function findOrphans(procRoot = "/proc"): Promise<number[]> {
  const prefix = `${RUNNER_TAG_VAR}=`;
  return findProcesses((environ) => {
    const tag = environ.find((entry) => entry.startsWith(prefix))?.slice(prefix.length);
    if (tag === undefined || tag === OWN_TAG) return false;
    const [pid = ""] = tag.split(":");
    return processTag(Number(pid), procRoot) !== tag;
  }, procRoot);
}

/**
 * The guard: a small shell, started once per runner process, that waits for the runner to go away
 * — its stdin pipe closes however the runner ends, SIGKILL included — and then kills every process
 * carrying this runner's tag. Its own process group, so a Ctrl-C at the terminal does not end it
 * before the runner has stopped. Agents are never left to wait for the next start.
 */
const GUARD_SCRIPT = `cat > /dev/null
for pass in 1 2 3; do
  killed=
  for dir in /proc/[0-9]*; do
    if grep -qzxF -- "$1" "$dir/environ" 2>/dev/null; then kill -9 "\${dir#/proc/}" 2>/dev/null && killed=1; fi
  done
  [ -n "$killed" ] || break
done`;
let guard: ChildProcess | undefined;

export function guardAgentsAfterExit(): void {
  if (guard || !existsSync("/proc/self/environ")) return;
  guard = spawn("/bin/sh", ["-c", GUARD_SCRIPT, "switchyard-guard", `${RUNNER_TAG_VAR}=${OWN_TAG}`], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  // Neither the guard nor its pipe keeps the runner alive.
  guard.unref();
  guard.stdin!.on("error", () => undefined);
  (guard.stdin as unknown as { unref(): void }).unref();
}

/** SIGTERMs every marked process, SIGKILLs what is left after the grace period, waits until all are gone. */
export function reapMarkedProcesses(marker: string, options: ReapOptions = {}): Promise<number[]> {
  return reap(() => findMarkedProcesses(marker, options.procRoot), options);
}

/** Ends what earlier runners on this machine left running; called when a runner starts. */
export function reapOrphans(options: ReapOptions = {}): Promise<number[]> {
  return reap(() => findOrphans(options.procRoot), options);
}

async function reap(find: () => Promise<number[]>, options: ReapOptions): Promise<number[]> {
  const { graceMs = 1000, timeoutMs = 5000 } = options;
  const pids = await find();
  if (pids.length === 0) return [];
  pids.forEach((pid) => signal(pid, "SIGTERM"));
  const deadline = Date.now() + timeoutMs;
  let waitUntil = Date.now() + graceMs;
  for (;;) {
    // Rescan: a shell that is being killed may still have started something.
    const alive = await find();
    if (alive.length === 0 || Date.now() > deadline) return pids;
    if (Date.now() > waitUntil) {
      alive.forEach((pid) => signal(pid, "SIGKILL"));
      waitUntil = Number.POSITIVE_INFINITY;
    }
    await sleep(25);
  }
}

async function findProcesses(matches: (environ: string[]) => boolean, procRoot: string): Promise<number[]> {
  const entries = await readdir(procRoot).catch(() => [] as string[]);
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    // Processes of other users, or that exited since readdir, cannot be read: not ours either way.
    const environ = await readFile(`${procRoot}/${entry}/environ`, "utf8").catch(() => "");
    if (matches(environ.split("\0")) && (await isAlive(Number(entry), procRoot))) found.push(Number(entry));
  }
  return found;
}

/** A zombie counts as gone: it holds no resources, and only its parent can reap it. */
export async function isAlive(pid: number, procRoot = "/proc"): Promise<boolean> {
  const stat = await readFile(`${procRoot}/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return false;
  const state = statFields(stat)[0];
  return state !== "Z" && state !== "X";
}

/** `pid:start time` of a live process (the pair names one process, pids are reused), else undefined. */
function processTag(pid: number, procRoot = "/proc"): string | undefined {
  let fields: string[];
  try {
    fields = statFields(readFileSync(`${procRoot}/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
  // Field 22 of stat: the start time in clock ticks since boot.
  return fields[0] === "Z" || fields[0] === "X" ? undefined : `${pid}:${fields[19]}`;
}

/** The fields of /proc/PID/stat after `pid (comm)`, starting with the state; comm may hold spaces. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

const OWN_TAG = processTag(process.pid) ?? String(process.pid);

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone between the scan and the signal: exactly what we wanted.
  }
}
