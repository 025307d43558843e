// Big log: one run with 100,000 events fed through the runner link (link-feeder.ts) — its ingest
// rate, and the time of poll_events pages (limit 1000) at its start, middle and end next to a page
// of a 1,000-event log; one run's ingest rate from a streaming A2A agent too; then list_runs pages
// over 10,000 runs.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { planPrompt } from "../support/bench-agent.ts";
import { pooled } from "../support/pool.ts";
import { startAgentProcess } from "../support/peers.ts";
import { startLinkFeeder, type LinkFeeder } from "../support/link-feeder.ts";
import { startFloor } from "../support/floor.ts";
import { connectHttp } from "../../test/e2e/support/mcp-http.ts";
import { max, min, num, type Row, type Scenario, type ScenarioContext } from "../support/scenario.ts";
import { round, summarize, type Summary } from "../support/stats.ts";
import {
  callOk,
  startSwitchyard,
  switchyardOptions,
  timedCall,
  TOKEN,
  waitAll,
  type StoredEvent,
} from "../support/switchyard.ts";

const REPEATS = 20;

/** The same call against the floor server answering Switchyard's own bytes: what the client alone costs. */
async function floorTimes(
  ctx: ScenarioContext,
  switchyardUrl: string,
  name: string,
  args: Record<string, unknown>,
): Promise<Summary> {
  const floor = await startFloor(ctx.cleanup, switchyardUrl, { name, arguments: args });
  const client = await connectHttp(floor.ready.url, TOKEN);
  ctx.cleanup.defer("floor client", () => client.close());
  const ms: number[] = [];
  for (let i = 0; i < REPEATS; i++) ms.push((await timedCall(client, name, args)).ms);
  return summarize(ms);
}

async function pageTimes(client: Client, runId: string, afterSeq: number): Promise<Summary> {
  const ms: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const { ms: t, value } = await timedCall(client, "poll_events", {
      run_id: runId,
      after_seq: afterSeq,
      limit: 1000,
      wait_ms: 0,
    });
    if (value.events.length === 0) throw new Error(`no events after seq ${afterSeq}`);
    ms.push(t);
  }
  return summarize(ms);
}

/** Until list_runs shows no queued or running run (or `deadline`, performance.now ms). */
async function indexSettled(client: Client, deadline: number): Promise<boolean> {
  while (performance.now() < deadline) {
    const live = await Promise.all(
      ["queued", "running"].map(
        async (status) => (await callOk(client, "list_runs", { status, limit: 1 })).runs.length,
      ),
    );
    if (live.every((n) => n === 0)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** A run of `updates` stamped events from the bench A2A agent, sent as fast as it can. */
async function a2aRun(client: Client, agentUrl: string, updates: number): Promise<string> {
  const spawned = await callOk(client, "spawn_run", {
    backend: "remote_a2a",
    prompt: planPrompt({ updates, interval_ms: 0 }),
    backend_config: { agent_url: agentUrl },
  });
  return spawned.run_id as string;
}

/** A run taken by the link feeder, fed `updates` events in frames of 200. */
async function fedRun(client: Client, feeder: LinkFeeder, updates: number): Promise<string> {
  const spawned = await callOk(client, "spawn_run", {
    backend: "codex",
    prompt: "benchmark log",
    backend_config: { runner: feeder.name },
  });
  const dispatch = await feeder.dispatched();
  if (dispatch.run_id !== spawned.run_id) throw new Error(`the feeder was dispatched ${dispatch.run_id}`);
  await feeder.feed(dispatch.run_id, updates);
  return spawned.run_id as string;
}

/** Starts a run with `start` and waits for it; returns its id and its ingest rate from the log. */
async function logRun(client: Client, start: () => Promise<string>, updates: number, boundMs: number) {
  const started = performance.now();
  const run_id = await start();
  if (!(await waitAll(client, [run_id], started + boundMs)))
    throw new Error(`the ${updates}-update run did not end within ${boundMs} ms`);
  const wallMs = performance.now() - started;
  const run = await callOk(client, "get_run", { run_id });
  const first = (await callOk(client, "poll_events", { run_id, after_seq: 0, limit: 1, wait_ms: 0 }))
    .events[0] as StoredEvent;
  const last = (
    await callOk(client, "poll_events", { run_id, after_seq: run.last_seq - 1, limit: 1, wait_ms: 0 })
  ).events[0] as StoredEvent;
  const spanS = (Date.parse(last.ts) - Date.parse(first.ts)) / 1000;
  return {
    runId: run_id as string,
    lastSeq: run.last_seq as number,
    status: run.status as string,
    wallMs,
    eventsPerSecond: run.last_seq / Math.max(0.001, spanS),
  };
}

export const bigLog: Scenario = {
  name: "big-log",
  summary:
    "a 100,000-event run: ingest rate, poll_events page times at start/middle/end; list_runs over 10,000 runs",
  timeoutMs: (flags) =>
    120_000 +
    num(flags, "log-events", 100_000) * 2 +
    num(flags, "a2a-events", 20_000) * 2 +
    num(flags, "list-runs", 10_000) * 40,
  async run(ctx: ScenarioContext) {
    const events = num(ctx.flags, "log-events", 100_000);
    const runs = num(ctx.flags, "list-runs", 10_000);
    const a2aEvents = num(ctx.flags, "a2a-events", 20_000);
    const sy = await startSwitchyard(ctx.cleanup, switchyardOptions(ctx));
    const agent = await startAgentProcess(ctx.cleanup);
    const client = await sy.client();

    const feeder = await startLinkFeeder(ctx.cleanup, sy.url);

    const small = await logRun(client, () => fedRun(client, feeder, 1000), 1000, 60_000);
    const big = await logRun(client, () => fedRun(client, feeder, events), events, 120_000 + events * 2);
    ctx.log(
      `${big.lastSeq} events fed through the runner link in ${round(big.wallMs / 1000, 1)} s (${round(big.eventsPerSecond, 0)} events/s)`,
    );
    const a2a = await logRun(
      client,
      () => a2aRun(client, agent.ready.url, a2aEvents),
      a2aEvents,
      60_000 + a2aEvents * 2,
    );
    ctx.log(
      `${a2a.lastSeq} events streamed by the A2A agent in ${round(a2a.wallMs / 1000, 1)} s (${round(a2a.eventsPerSecond, 0)} events/s)`,
    );
    const pages = {
      small: await pageTimes(client, small.runId, 0),
      start: await pageTimes(client, big.runId, 0),
      middle: await pageTimes(client, big.runId, Math.floor(big.lastSeq / 2)),
      end: await pageTimes(client, big.runId, big.lastSeq - 1000),
    };
    const pageFloor = await floorTimes(ctx, sy.url, "poll_events", {
      run_id: big.runId,
      after_seq: Math.floor(big.lastSeq / 2),
      limit: 1000,
      wait_ms: 0,
    });
    ctx.log(
      `pages p50: floor ${round(pageFloor.p50)} ms, 1k-log ${round(pages.small.p50)} ms, start ${round(pages.start.p50)}, middle ${round(pages.middle.p50)}, end ${round(pages.end.p50)} ms`,
    );

    // list_runs over `runs` runs: each run completes at once (no updates).
    const spawnStarted = performance.now();
    const ids = await pooled(Array.from({ length: runs - 2 }), 32, async () => {
      const spawned = await callOk(client, "spawn_run", {
        backend: "remote_a2a",
        prompt: planPrompt({ updates: 0, interval_ms: 0 }),
        backend_config: { agent_url: agent.ready.url },
      });
      return spawned.run_id as string;
    });
    const spawnS = (performance.now() - spawnStarted) / 1000;
    // Pages are timed once every run has ended, not while the runs still stream. The tenant's index
    // says so; wait_runs over all of them would open every run's object at once, and local workerd
    // keeps each object's SQLite files open (10,000 objects exceed this machine's open-file limit).
    if (!(await indexSettled(client, performance.now() + 120_000)))
      throw new Error("the listed runs did not all end");
    ctx.log(
      `${ids.length + 2} runs spawned in ${round(spawnS, 1)} s (${round(ids.length / spawnS, 0)} spawns/s)`,
    );
    const listMs: number[] = [];
    let listed = 0;
    for (let cursor: string | undefined; ;) {
      const { ms, value } = await timedCall(client, "list_runs", {
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      listMs.push(ms);
      listed += value.runs.length;
      if (!value.next_cursor) break;
      cursor = value.next_cursor;
    }
    const list = summarize(listMs);
    const listFloor = await floorTimes(ctx, sy.url, "list_runs", { limit: 200 });
    const at = (i: number) => round(listMs[Math.min(listMs.length - 1, Math.max(0, i))]!, 3);
    ctx.log(
      `list_runs: ${listed} runs in ${listMs.length} pages, p50 ${round(list.p50)} ms, max ${round(list.max)} ms`,
    );

    const rows: Row[] = [
      {
        metric: `one run ingesting ${big.lastSeq} events (runner link, frames of 200)`,
        value: round(big.eventsPerSecond, 0),
        unit: "events/s",
        target: min(5000),
      },
      {
        metric: `one run ingesting ${a2a.lastSeq} events (A2A stream, one update at a time)`,
        value: round(a2a.eventsPerSecond, 0),
        unit: "events/s",
        target: min(5000),
      },
      {
        metric: "poll_events page (1000) of a 1,000-event log p50",
        value: round(pages.small.p50, 3),
        unit: "ms",
        note: "reference",
      },
      {
        metric: `poll_events page at start of ${big.lastSeq}-event log p50`,
        value: round(pages.start.p50, 3),
        unit: "ms",
        target: max(20),
      },
      {
        metric: `poll_events page at middle p50`,
        value: round(pages.middle.p50, 3),
        unit: "ms",
        target: max(20),
      },
      { metric: `poll_events page at end p50`, value: round(pages.end.p50, 3), unit: "ms", target: max(20) },
      {
        metric: `poll_events page, slowest of ${3 * REPEATS}`,
        value: round(Math.max(pages.start.max, pages.middle.max, pages.end.max), 3),
        unit: "ms",
        target: max(20),
      },
      {
        metric: "poll_events page (1000): floor",
        value: round(pageFloor.p50, 3),
        unit: "ms",
        note: "floor: trivial server, same bytes",
      },
      {
        metric: "end page / 1,000-event log page",
        value: round(pages.end.p50 / pages.small.p50, 2),
        unit: "×",
        note: "≈1: page cost independent of log length",
      },
      {
        metric: `spawn_run throughput (32 concurrent, ${ids.length} runs)`,
        value: round(ids.length / spawnS, 0),
        unit: "spawns/s",
      },
      { metric: `list_runs pages (200) over ${listed} runs: first`, value: at(0), unit: "ms" },
      { metric: "list_runs: middle page", value: at(Math.floor(listMs.length / 2)), unit: "ms" },
      { metric: "list_runs: last page", value: at(listMs.length - 1), unit: "ms" },
      { metric: "list_runs: p50 / max", value: round(list.p50, 3), unit: `ms / ${round(list.max, 1)} ms` },
      {
        metric: "list_runs page (200): floor",
        value: round(listFloor.p50, 3),
        unit: "ms",
        note: "floor: trivial server, same bytes",
      },
      { metric: "list_runs: runs listed", value: listed, unit: `of ${runs}`, target: min(runs) },
    ];
    return {
      rows,
      details: {
        small,
        big,
        pages,
        pageFloor,
        listFloor,
        spawnSeconds: spawnS,
        list: { ...list, pages: listMs.length, listed },
      },
    };
  },
};
