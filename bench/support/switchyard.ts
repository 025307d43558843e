// Switchyard under test: `wrangler dev` on a free port with fresh temporary state
// (test/e2e/support/wrangler-dev.ts), and MCP SDK clients over HTTP (test/e2e/support/mcp-http.ts).
import { rmSync } from "node:fs";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { callOk, connectHttp } from "../../test/e2e/support/mcp-http.ts";
import { freePort, WranglerDev } from "../../test/e2e/support/wrangler-dev.ts";
import type { Cleanup } from "./cleanup.ts";
import { startProfiler } from "./cpu-profile.ts";
import { pooled } from "./pool.ts";
import type { ScenarioContext } from "./scenario.ts";

export const TENANT = "bench";
export const TOKEN = "bench-token";
export const RUNNER_TOKEN = "bench-runner-token";

export interface Switchyard {
  url: string;
  dev: WranglerDev;
  /** wrangler's inspector port, for CPU profiles of the Worker (cpu-profile.ts). */
  inspectorPort: number;
  /** A new MCP client (initialize + tools/list done), closed on cleanup. */
  client(): Promise<Client>;
}

export interface SwitchyardOptions {
  vars?: Record<string, string>;
  /** Further `wrangler dev` flags. */
  args?: string[];
  /**
   * Keep wrangler's own development instrumentation on: the local observability collector (a tail
   * worker fed every invocation), the local explorer's Durable Object wrappers and the request log.
   * Off by default: they are wrangler dev tooling, absent in production, and cost more CPU per call
   * than Switchyard itself (BENCHMARKS.md has both figures).
   */
  devtools?: boolean;
  /** Where to write a CPU profile of the Worker over the whole scenario (`--profile`). */
  profile?: string;
}

/** The options the benchmark's own flags ask for (`--wrangler-devtools`, `--profile`). */
export function switchyardOptions(ctx: ScenarioContext): SwitchyardOptions {
  return {
    devtools: ctx.flags["wrangler-devtools"] === true,
    profile:
      ctx.flags.profile === true
        ? new URL(`../results/${ctx.name}.cpuprofile`, import.meta.url).pathname
        : undefined,
  };
}

/** wrangler dev with its development instrumentation off (see SwitchyardOptions.devtools). */
export const QUIET_ENV = { X_LOCAL_OBSERVABILITY: "false", X_LOCAL_EXPLORER: "false" };
export const QUIET_ARGS = ["--log-level", "warn"];

export async function startSwitchyard(
  cleanup: Cleanup,
  { vars = {}, args = [], devtools = false, profile }: SwitchyardOptions = {},
): Promise<Switchyard> {
  const inspectorPort = await freePort();
  const dev = new WranglerDev({
    inspectorPort,
    args: devtools ? args : [...QUIET_ARGS, ...args],
    env: devtools ? {} : QUIET_ENV,
    vars: {
      SWITCHYARD_TOKENS: `${TENANT}=${TOKEN}`,
      SWITCHYARD_RUNNER_TOKENS: `${TENANT}=${RUNNER_TOKEN}`,
      SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*",
      // Fan-out spawns hundreds of live runs at once; the default cap is 100.
      SWITCHYARD_MAX_CONCURRENT_RUNS: "100000",
      // Measured as deployed: without the tests' check of every tool result.
      SWITCHYARD_CHECK_TOOL_OUTPUT: "",
      ...vars,
    },
  });
  cleanup.defer("wrangler dev state", () => rmSync(dev.persistTo, { recursive: true, force: true }));
  cleanup.defer("wrangler dev", () => dev.stop());
  await dev.start();
  if (profile) {
    const profiler = await startProfiler(inspectorPort, 200);
    // Runs before wrangler stops (cleanup is last-in, first-out).
    cleanup.defer("CPU profile", async () => {
      const summary = await profiler.stop(profile);
      console.error(`bench: Worker CPU profile ${summary.file}; top self time:`);
      for (const t of summary.top.slice(0, 15))
        console.error(
          `  ${String(t.selfMs).padStart(9)} ms ${String(t.pct).padStart(5)}%  ${t.fn} ${t.where}`,
        );
    });
  }
  return {
    url: dev.url,
    dev,
    inspectorPort,
    async client() {
      const client = await connectHttp(dev.url, TOKEN);
      cleanup.defer("MCP client", () => client.close());
      return client;
    },
  };
}

export { callOk };

/** A tool call that must succeed, with its duration (ms). */
export async function timedCall<T = Record<string, any>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
) {
  const started = performance.now();
  const value = await callOk<T>(client, name, args);
  return { ms: performance.now() - started, value };
}

export interface StoredEvent {
  seq: number;
  ts: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Every event of a run, paging poll_events (limit 1000). With `waitMs` 0 the run should have ended:
 * it stops at the first empty page; otherwise it parks for each next page until the run has ended.
 */
export async function readAllEvents(client: Client, runId: string, waitMs = 0): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after = 0; ;) {
    const page = await callOk(client, "poll_events", {
      run_id: runId,
      after_seq: after,
      limit: 1000,
      wait_ms: waitMs,
    });
    events.push(...(page.events as StoredEvent[]));
    if (page.events.length === 0 && (page.terminal || waitMs === 0)) return events;
    after = page.next_after_seq;
  }
}

/** Waits (wait_runs, 100 ids per call, calls in parallel) until every run is terminal or `deadline` (ms, performance.now) passes. */
export async function waitAll(client: Client, runIds: readonly string[], deadline: number): Promise<boolean> {
  const groups: string[][] = [];
  for (let i = 0; i < runIds.length; i += 100) groups.push(runIds.slice(i, i + 100));
  // At most 8 calls at once: each holds up to 100 RPCs open in the Worker.
  const done = await pooled(groups, 8, async (group) => {
    while (performance.now() < deadline) {
      const waitMs = Math.max(0, Math.min(30_000, Math.floor(deadline - performance.now())));
      const answer = await callOk(client, "wait_runs", { run_ids: group, mode: "all", wait_ms: waitMs });
      if (answer.done) return true;
    }
    return false;
  });
  return done.every(Boolean);
}

/**
 * The seed's documented flow: one poll_events watcher per run, each polling until it has seen the
 * run end. Returns every run's events as its watcher saw them.
 */
export const followEachRun = (client: Client, runIds: readonly string[]): Promise<StoredEvent[][]> =>
  Promise.all(runIds.map((runId) => readAllEvents(client, runId, 20_000)));

/** Follows the runs with watch_runs, 100 cursors per call and one watcher per 100 runs, until each run ended. */
export async function followWithWatch(client: Client, runIds: readonly string[]): Promise<StoredEvent[][]> {
  const seen = new Map(runIds.map((id) => [id, [] as StoredEvent[]]));
  const groups: string[][] = [];
  for (let i = 0; i < runIds.length; i += 100) groups.push(runIds.slice(i, i + 100));
  await Promise.all(
    groups.map(async (group) => {
      let cursors = group.map((run_id) => ({ run_id, after_seq: 0 }));
      while (cursors.length > 0) {
        const answer = await callOk(client, "watch_runs", { runs: cursors, limit: 1000, wait_ms: 20_000 });
        const ended = new Set<string>();
        for (const page of answer.runs as {
          run_id: string;
          events: StoredEvent[];
          next_after_seq: number;
          terminal: boolean;
        }[]) {
          seen.get(page.run_id)!.push(...page.events);
          cursors.find((c) => c.run_id === page.run_id)!.after_seq = page.next_after_seq;
          if (page.terminal && page.events.length === 0) ended.add(page.run_id);
        }
        cursors = cursors.filter((c) => !ended.has(c.run_id));
      }
    }),
  );
  return runIds.map((id) => seen.get(id)!);
}
