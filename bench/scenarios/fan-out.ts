// Fan-out: N remote_a2a runs spawned at once, each streaming K stamped updates D ms apart, followed
// until every run is terminal in one of three ways: joined with wait_runs, one poll_events watcher
// per run (the seed's documented flow), or watch_runs (one watcher per 100 runs). Wall time (first
// spawn → all seen terminal) against the ideal K×D; every run's log is read back and checked — seq
// contiguous from 1, each update exactly once, run completed — and so is what each watcher saw.
import { rmSync } from "node:fs";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { WranglerDev } from "../../test/e2e/support/wrangler-dev.ts";
import { parseStamp, planPrompt } from "../support/bench-agent.ts";
import { pooled } from "../support/pool.ts";
import { startAgentProcess } from "../support/peers.ts";
import { max, num, nums, strs, type Row, type Scenario, type ScenarioContext } from "../support/scenario.ts";
import { round, summarize } from "../support/stats.ts";
import { cpuMeter } from "../support/proc-cpu.ts";
import {
  callOk,
  followEachRun,
  followWithWatch,
  QUIET_ARGS,
  QUIET_ENV,
  readAllEvents,
  startSwitchyard,
  switchyardOptions,
  waitAll,
  type StoredEvent,
} from "../support/switchyard.ts";

/** What one run's log says against what the agent sent. */
export interface LogCheck {
  lost: number;
  duplicated: number;
  /** Places where seq does not follow its predecessor by exactly 1. */
  seqGaps: number;
  completed: boolean;
}

export function checkLog(events: StoredEvent[], expected: number): LogCheck {
  const seen = new Map<number, number>();
  for (const e of events) {
    const stamp = e.type === "agent_message" ? parseStamp(e.data.text) : undefined;
    if (stamp) seen.set(stamp.n, (seen.get(stamp.n) ?? 0) + 1);
  }
  let lost = 0;
  for (let n = 1; n <= expected; n++) if (!seen.has(n)) lost++;
  const duplicated = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
  const seqGaps = events.filter((e, i) => e.seq !== i + 1).length;
  return { lost, duplicated, seqGaps, completed: events.some((e) => e.type === "run_completed") };
}

const WORKERD = "workerd (Switchyard)";

/** How a fan-out is followed to its end. */
export const FOLLOWS = ["wait_runs", "poll_events", "watch_runs"] as const;
type Follow = (typeof FOLLOWS)[number];

/** The targets: all terminal within this many times the ideal, by way of following and N. */
function targetRatio(follow: Follow, n: number): number | undefined {
  if (follow === "wait_runs") return n <= 100 ? 1.5 : n <= 500 ? 3 : undefined;
  if (follow === "poll_events") return n <= 100 ? 2 : undefined;
  return n <= 100 ? 1.2 : n <= 500 ? 2 : undefined;
}

/** Follows the runs to their ends; the events each watcher saw, or null when only the ends were joined. */
async function follow(client: Client, how: Follow, runIds: string[], deadline: number) {
  if (how === "poll_events") return { ended: true, seen: await followEachRun(client, runIds) };
  if (how === "watch_runs") return { ended: true, seen: await followWithWatch(client, runIds) };
  return { ended: await waitAll(client, runIds, deadline), seen: null };
}

async function fanOut(
  ctx: ScenarioContext,
  how: Follow,
  client: Client,
  agentUrl: string,
  n: number,
  k: number,
  d: number,
  payload: number,
  wranglerPid: number,
) {
  const meter = cpuMeter({ wrangler: wranglerPid });
  const started = performance.now();
  const runIds = await Promise.all(
    Array.from({ length: n }, async () => {
      const spawned = await callOk(client, "spawn_run", {
        backend: "remote_a2a",
        prompt: planPrompt({ updates: k, interval_ms: d, payload_bytes: payload }),
        backend_config: { agent_url: agentUrl },
      });
      return spawned.run_id as string;
    }),
  );
  const spawnedMs = performance.now() - started;
  const { ended, seen } = await follow(client, how, runIds, started + Math.max(60_000, 20 * k * d));
  const wallMs = performance.now() - started;
  const cpu = meter.stop();
  const logs = await pooled(runIds, 16, (id) => readAllEvents(client, id));
  const checks = logs.map((events) => checkLog(events, k));
  // What the watchers saw is the log itself, event for event, or something was lost or repeated.
  const watcherMismatches = seen
    ? seen.filter((events, i) => JSON.stringify(events) !== JSON.stringify(logs[i])).length
    : 0;
  // Per run, from its first stored event to its last (the log's own clock, ms resolution).
  const spans = logs.map((events) => Date.parse(events.at(-1)!.ts) - Date.parse(events[0]!.ts));
  const sum = (f: (c: LogCheck) => number) => checks.reduce((s, c) => s + f(c), 0);
  const result = {
    follow: how,
    n,
    spawnedMs: Math.round(spawnedMs),
    wallMs: Math.round(wallMs),
    idealMs: k * d,
    ratio: wallMs / (k * d),
    allEnded: ended,
    completed: checks.filter((c) => c.completed).length,
    lost: sum((c) => c.lost),
    duplicated: sum((c) => c.duplicated),
    seqGaps: sum((c) => c.seqGaps),
    watcherMismatches,
    events: logs.reduce((s, l) => s + l.length, 0),
    runSpanMs: summarize(spans),
    /** CPU of the workerd process running Switchyard, and its share of the wall time (1 = one core). */
    workerdCpuMs: cpu[WORKERD] ?? 0,
    workerdBusy: (cpu[WORKERD] ?? 0) / wallMs,
    cpuMs: cpu,
  };
  ctx.log(
    `${how} N=${n}: spawned in ${result.spawnedMs} ms, all terminal after ${result.wallMs} ms (${round(result.ratio)}× ideal), ` +
      `${result.completed} completed, lost ${result.lost}, dup ${result.duplicated}, watcher mismatches ${watcherMismatches}; workerd CPU ${Math.round(result.workerdCpuMs)} ms ` +
      `(${Math.round(result.workerdBusy * 100)}% of one core)`,
  );
  return result;
}

export const fanOutScenario: Scenario = {
  name: "fan-out",
  summary:
    "N = 10, 100, 500 remote_a2a runs at once, K updates D ms apart, followed with wait_runs, a poll_events " +
    "watcher per run (N ≤ 100) and watch_runs: time to all seen terminal vs K×D, loss",
  timeoutMs: (flags) =>
    60_000 + 3 * nums(flags, "fanout", [10, 100, 500]).reduce((s, n) => s + 30_000 + n * 400, 0),
  async run(ctx: ScenarioContext) {
    const sizes = nums(ctx.flags, "fanout", [10, 100, 500]);
    const follows = strs(ctx.flags, "follow", FOLLOWS);
    const k = num(ctx.flags, "updates", 20);
    const d = num(ctx.flags, "interval-ms", 50);
    const payload = num(ctx.flags, "payload-bytes", 64);
    const sy = await startSwitchyard(ctx.cleanup, switchyardOptions(ctx));
    const agent = await startAgentProcess(ctx.cleanup);
    const client = await sy.client();
    // One small run first, so start-up costs (first objects, first connections) are not measured.
    await fanOut(ctx, "wait_runs", client, agent.ready.url, 2, 2, 10, 0, sy.dev.pid!);
    const rows: Row[] = [];
    const details: Record<string, unknown> = { k, d, payload };
    for (const how of follows)
      for (const n of sizes) {
        // One long-poll per run past 100 runs is not a flow anyone should use; its target stops at 100.
        if (how === "poll_events" && n > 100 && !ctx.flags["fanout"]) continue;
        const r = await fanOut(ctx, how, client, agent.ready.url, n, k, d, payload, sy.dev.pid!);
        details[`${how}_n${n}`] = r;
        const limit = targetRatio(how, n);
        const m = (what: string) => `${how} N=${n}: ${what}`;
        rows.push(
          {
            metric: m(`all seen terminal / ideal ${k}×${d} ms`),
            value: round(r.ratio, 2),
            unit: "×",
            target: limit ? max(limit) : undefined,
          },
          { metric: m("wall time to all seen terminal"), value: r.wallMs, unit: "ms" },
          { metric: m("spawn_run calls done after"), value: r.spawnedMs, unit: "ms" },
          {
            metric: m("workerd CPU (share of one core)"),
            value: Math.round(r.workerdCpuMs),
            unit: `ms (${Math.round(r.workerdBusy * 100)}%)`,
          },
          {
            metric: m("runs completed"),
            value: r.completed,
            unit: `of ${n}`,
            target: { kind: "min", limit: n },
          },
          { metric: m("updates lost"), value: r.lost, unit: "events", target: max(0) },
          { metric: m("updates duplicated"), value: r.duplicated, unit: "events", target: max(0) },
          { metric: m("seq gaps"), value: r.seqGaps, unit: "", target: max(0) },
          ...(how === "wait_runs"
            ? []
            : [
                {
                  metric: m("runs whose watcher saw other than the log"),
                  value: r.watcherMismatches,
                  unit: "",
                  target: max(0),
                },
              ]),
        );
      }
    await ctx.cleanup.run();

    // The floor: creating as many Durable Objects with SQLite storage, doing nothing else.
    const floor = await objectFloor(ctx, Math.max(...sizes));
    rows.push(
      {
        metric: `floor: ${floor.n} plain SQLite Durable Objects created`,
        value: floor.plain.wallMs,
        unit: `ms, ${round(floor.plain.cpuMs / floor.n, 2)} ms CPU each`,
        note: "floor: DO creation in this workerd",
      },
      {
        metric: `floor: ${floor.n} agents Agent objects created`,
        value: floor.agent.wallMs,
        unit: `ms, ${round(floor.agent.cpuMs / floor.n, 2)} ms CPU each`,
        note: "floor: what RunObject extended before",
      },
      {
        metric: `${floor.n} RunObjects created at once (their create call, a runner run)`,
        value: round(floor.run.cpuMs / floor.n, 2),
        unit: "ms CPU each",
        target: max(1.5),
        note: `${floor.run.wallMs} ms for all; the plain floor above is what any object costs here`,
      },
    );
    details.floor = floor;
    return { rows, details };
  },
};

/** Creates `n` new objects of each kind in the floor Worker (support/do-floor), timing each batch. */
async function objectFloor(ctx: ScenarioContext, n: number) {
  const dev = new WranglerDev({
    vars: {},
    config: new URL("../support/do-floor/wrangler.toml", import.meta.url).pathname,
    args: QUIET_ARGS,
    env: QUIET_ENV,
  });
  ctx.cleanup.defer("floor wrangler dev state", () =>
    rmSync(dev.persistTo, { recursive: true, force: true }),
  );
  ctx.cleanup.defer("floor wrangler dev", () => dev.stop());
  await dev.start();
  const batch = async (kind: "plain" | "agent" | "run") => {
    await fetch(`${dev.url}/?kind=${kind}&n=10`); // warm-up: the first objects load the code
    const meter = cpuMeter({ wrangler: dev.pid! });
    const started = performance.now();
    const res = await fetch(`${dev.url}/?kind=${kind}&n=${n}`);
    if (!res.ok) throw new Error(`floor worker: HTTP ${res.status} ${await res.text()}`);
    const wallMs = Math.round(performance.now() - started);
    return { wallMs, cpuMs: meter.stop()[WORKERD] ?? 0 };
  };
  const plain = await batch("plain");
  const agent = await batch("agent");
  const run = await batch("run");
  ctx.log(
    `floor: ${n} plain objects in ${plain.wallMs} ms, ${n} Agent objects in ${agent.wallMs} ms, ${n} RunObjects in ${run.wallMs} ms`,
  );
  return { n, plain, agent, run };
}
