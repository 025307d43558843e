// Helpers for the local-agent suites: building runs, draining an agent's outputs, temporary
// directories, and finding an agent's processes through /proc independently of the reaper under test.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BackendOutput, BackendRun } from "../../../shared/backends/backend.ts";
import type { NewEvent } from "../../../shared/runs/events.ts";

export function makeRun(fields: Partial<BackendRun> & { prompt?: string } = {}): BackendRun {
  const { prompt = "Say hello.", ...rest } = fields;
  return {
    runId: "run_test",
    message: { role: "user", parts: [{ kind: "text", text: prompt }] },
    config: {},
    secrets: {},
    ref: {},
    ...rest,
  };
}

export function collect(outputs: AsyncIterable<BackendOutput>): Promise<BackendOutput[]> {
  return drain(outputs).done;
}

/** Drains in the background; `outputs` fills as the agent yields, for tests that act mid-turn. */
export function drain(outputs: AsyncIterable<BackendOutput>): {
  outputs: BackendOutput[];
  done: Promise<BackendOutput[]>;
} {
  const seen: BackendOutput[] = [];
  const done = (async () => {
    for await (const output of outputs) seen.push(output);
    return seen;
  })();
  return { outputs: seen, done };
}

export function eventsOf(outputs: BackendOutput[]): NewEvent[] {
  return outputs.flatMap((o) => (o.kind === "event" ? [o.event] : []));
}

export function typesOf(outputs: BackendOutput[]): string[] {
  return eventsOf(outputs).map((e) => e.type);
}

export function refsOf(outputs: BackendOutput[]): Record<string, string>[] {
  return outputs.flatMap((o) => (o.kind === "ref" ? [o.ref] : []));
}

/** The single event of a type; fails the test when there is not exactly one. */
export function only(outputs: BackendOutput[], type: NewEvent["type"]): Record<string, unknown> {
  const found = eventsOf(outputs).filter((e) => e.type === type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, got ${found.length}`);
  return found[0]!.data;
}

const TERMINAL_TYPES = ["run_completed", "run_failed"];

export function terminalsOf(outputs: BackendOutput[]): NewEvent[] {
  return eventsOf(outputs).filter((e) => TERMINAL_TYPES.includes(e.type));
}

export async function makeTempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `switchyard-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Polls `condition` every 20 ms; integration tests wait on real processes, never on fixed sleeps. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Live (non-zombie) pids whose environment contains `entry` (e.g. `HOME=/tmp/…`). */
export async function pidsWithEnv(entry: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const environ = await readFile(`/proc/${name}/environ`, "utf8").catch(() => "");
    if (environ.split("\0").includes(entry) && (await isLive(Number(name)))) pids.push(Number(name));
  }
  return pids;
}

/** Last resort after a failed or timed-out test: nothing the agent started may outlive it. */
export async function killProcessesWithEnv(entry: string): Promise<void> {
  for (const pid of await pidsWithEnv(entry)) process.kill(pid, "SIGKILL");
}

export async function isLive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return stat !== "" && state !== "Z";
}

export async function commandLine(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
}
