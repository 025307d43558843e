// The peers a scenario starts besides Switchyard, each in its own process: the bench A2A agent,
// the fake OpenAI chat-completions server, and `switchyard-runner connect`.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killGroup, startChild, type Child } from "./child.ts";
import type { Cleanup } from "./cleanup.ts";
import { RUNNER_TOKEN } from "./switchyard.ts";

const here = (file: string) => new URL(file, import.meta.url).pathname;

/** The bench A2A agent (bench-agent.ts); `ready.url` is its base URL. */
export const startAgentProcess = (cleanup: Cleanup): Promise<Child<{ url: string }>> =>
  startChild(cleanup, here("./bench-agent-main.ts"));

/** The fake model server; `ready.baseUrl` is what backend_config.base_url takes. */
export const startFakeModelProcess = (cleanup: Cleanup): Promise<Child<{ url: string; baseUrl: string }>> =>
  startChild(cleanup, here("./fake-model-main.ts"));

/** Queues scripted turns on the fake for requests naming `model`. */
export async function scriptFake(
  fakeUrl: string,
  model: string,
  turns: Record<string, unknown>[],
): Promise<void> {
  const res = await fetch(`${fakeUrl}/__script`, { method: "POST", body: JSON.stringify({ model, turns }) });
  if (!res.ok) throw new Error(`scripting the fake failed: HTTP ${res.status} ${await res.text()}`);
}

export interface RunnerProcess {
  pid: number;
  name: string;
  /** Lines printed so far. */
  lines: string[];
  /** The same lines with when they were read (performance.now, ms). */
  timedLines: { at: number; line: string }[];
  /** Resolves once a printed line contains `text` (after `from` lines), or rejects after `ms`. */
  waitFor(text: string, ms: number, from?: number): Promise<void>;
  /** Resident set size now (MB), from /proc. */
  rssMb(): number;
}

export interface RunnerOptions {
  /** Switchyard (or a proxy in front of it). */
  url: string;
  name?: string;
  maxRuns?: number;
  /**
   * `source`: runner/launcher.js in the repository, which runs the TypeScript source (as `npm start`
   * does); `bundle`: the bundled build the published package runs (runner/package.json "build").
   */
  form?: "source" | "bundle";
}

/** Where the bundled runner is built: under node_modules so its package imports resolve. */
const BUNDLE = here("../../node_modules/.cache/switchyard-bench/switchyard-runner.js");
let bundled: Promise<string> | undefined;

/** Builds the runner the way its package does (esbuild, packages external), once per benchmark. */
function buildRunner(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import("esbuild");
    mkdirSync(here("../../node_modules/.cache/switchyard-bench/"), { recursive: true });
    await build({
      entryPoints: [here("../../runner/bin.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      packages: "external",
      outfile: BUNDLE,
      logLevel: "warning",
    });
    return BUNDLE;
  })();
  return bundled;
}

/** `switchyard-runner connect` with its own root; resolves once connected. */
export async function startRunnerProcess(cleanup: Cleanup, options: RunnerOptions): Promise<RunnerProcess> {
  const name = options.name ?? "bench-runner";
  const root = realpathSync(mkdtempSync(join(tmpdir(), "switchyard-runner-root-")));
  cleanup.defer("runner root", () => rmSync(root, { recursive: true, force: true }));
  const child = spawn(
    process.execPath,
    [
      options.form === "bundle" ? await buildRunner() : here("../../runner/launcher.js"),
      "connect",
      "--url",
      options.url,
      "--name",
      name,
      "--root",
      root,
      "--max-runs",
      String(options.maxRuns ?? 32),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
      env: { ...process.env, SWITCHYARD_RUNNER_TOKEN: RUNNER_TOKEN },
    },
  );
  cleanup.defer("switchyard-runner", () => killGroup(child));
  const lines: string[] = [];
  const timedLines: { at: number; line: string }[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8");
    const parts = text.split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    const at = performance.now();
    timedLines.push(...parts.map((line) => ({ at, line })));
    for (const wake of waiters) wake();
  });
  const runner: RunnerProcess = {
    pid: child.pid!,
    name,
    lines,
    timedLines,
    waitFor(text, ms, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.slice(from).some((l) => l.includes(text))) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the runner printed no line with "${text}" within ${ms} ms; it printed:\n${lines.slice(-20).join("\n")}`,
            ),
          );
        }, ms);
        waiters.add(check);
        check();
      });
    },
    rssMb: () => rssMb(child.pid!),
  };
  await runner.waitFor("connected to", 30_000);
  return runner;
}

/** VmRSS of a process (MB). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}
