// Ends every process of one agent turn. A turn is tagged by an environment variable the adapter
// passes to the agent; commands the agent starts inherit it, so they are found too (codex's sandbox
// helpers, Claude Code's shells). Linux only (/proc); elsewhere the SDKs' own kill is all there is.
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** The environment variable that tags an agent turn's processes. */
export const TURN_MARKER_VAR = "SWITCHYARD_TURN";

export function newTurnMarker(): string {
  return randomUUID();
}

/** The agent's environment: `base` (unset values dropped) plus the turn's marker. */
export function withTurnMarker(
  base: Record<string, string | undefined>,
  marker: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  env[TURN_MARKER_VAR] = marker;
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
export async function findMarkedProcesses(marker: string, procRoot = "/proc"): Promise<number[]> {
  const entries = await readdir(procRoot).catch(() => [] as string[]);
  const needle = `${TURN_MARKER_VAR}=${marker}`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    // Processes of other users, or that exited since readdir, cannot be read: not ours either way.
    const environ = await readFile(`${procRoot}/${entry}/environ`, "utf8").catch(() => "");
    if (environ.split("\0").includes(needle) && (await isAlive(Number(entry), procRoot)))
      found.push(Number(entry));
  }
  return found;
}

/** SIGTERMs every marked process, SIGKILLs what is left after the grace period, waits until all are gone. */
export async function reapMarkedProcesses(marker: string, options: ReapOptions = {}): Promise<number[]> {
  const { graceMs = 1000, timeoutMs = 5000, procRoot = "/proc" } = options;
  const pids = await findMarkedProcesses(marker, procRoot);
  if (pids.length === 0) return [];
  pids.forEach((pid) => signal(pid, "SIGTERM"));
  const deadline = Date.now() + timeoutMs;
  let waitUntil = Date.now() + graceMs;
  for (;;) {
    // Rescan: a shell that is being killed may still have started something.
    const alive = await findMarkedProcesses(marker, procRoot);
    if (alive.length === 0 || Date.now() > deadline) return pids;
    if (Date.now() > waitUntil) {
      alive.forEach((pid) => signal(pid, "SIGKILL"));
      waitUntil = Number.POSITIVE_INFINITY;
    }
    await sleep(25);
  }
}

/** A zombie counts as gone: it holds no resources, and only its parent can reap it. */
export async function isAlive(pid: number, procRoot = "/proc"): Promise<boolean> {
  const stat = await readFile(`${procRoot}/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return false;
  // Format: `pid (comm) state …`; comm may contain spaces and parentheses.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone between the scan and the signal: exactly what we wanted.
  }
}
