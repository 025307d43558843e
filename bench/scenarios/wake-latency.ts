// Wake latency: the bench agent stamps every update with its send time; a poll_events parked on
// the run returns it. Delay = receipt at the client − send time at the agent (clocks compared over
// IPC). A second run sends bursts: a parked poll wakes on the first arrivals; once the burst is
// stored, one more poll must return everything still pending. The floor: a trivial server parking
// the same poll_events call and waking it with its own stamped events.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectHttp } from "../../test/e2e/support/mcp-http.ts";
import { parseStamp, planPrompt, type BenchPlan } from "../support/bench-agent.ts";
import { startFloor } from "../support/floor.ts";
import { startAgentProcess } from "../support/peers.ts";
import { max, min, num, type Row, type Scenario, type ScenarioContext } from "../support/scenario.ts";
import { round, summarize, wallMs } from "../support/stats.ts";
import {
  callOk,
  startSwitchyard,
  switchyardOptions,
  TOKEN,
  type StoredEvent,
} from "../support/switchyard.ts";

interface Followed {
  /** Delays (ms) of updates sent while a poll was parked. */
  wakes: number[];
  /** Updates that were already pending when a poll started (not wakes). */
  pending: number;
  received: number;
}

/** Polls the run until it ends (or `deadline`), timing every stamped update. */
async function follow(
  client: Client,
  runId: string,
  offsetMs: number,
  deadline: number,
  stopAfter = Infinity,
): Promise<Followed> {
  const f: Followed = { wakes: [], pending: 0, received: 0 };
  let after = 0;
  while (wallMs() < deadline && f.received < stopAfter) {
    const parkedAt = wallMs();
    const page = await callOk(client, "poll_events", {
      run_id: runId,
      after_seq: after,
      limit: 1000,
      wait_ms: 20_000,
    });
    const receivedAt = wallMs();
    for (const event of page.events as StoredEvent[]) {
      const stamp = parseStamp(event.data.text);
      if (!stamp) continue;
      f.received++;
      const sentAt = stamp.sentMs - offsetMs;
      if (sentAt >= parkedAt) f.wakes.push(receivedAt - sentAt);
      else f.pending++;
    }
    after = page.next_after_seq;
    if (page.terminal) break;
  }
  return f;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Per burst: a poll parked until the burst's first updates arrive, then — once the whole burst is
 * stored — one poll without waiting, which must return every update still pending.
 */
async function followBursts(client: Client, runId: string, burst: number, deadline: number) {
  const r = { bursts: 0, whole: 0, received: 0, firstPoll: [] as number[] };
  let after = 0;
  const poll = async (waitMs: number) => {
    const page = await callOk(client, "poll_events", {
      run_id: runId,
      after_seq: after,
      limit: 1000,
      wait_ms: waitMs,
    });
    after = page.next_after_seq;
    const stamped = (page.events as StoredEvent[]).filter((e) => parseStamp(e.data.text));
    r.received += stamped.length;
    return { stamped: stamped.length, terminal: page.terminal as boolean };
  };
  while (wallMs() < deadline) {
    const woke = await poll(20_000);
    if (woke.stamped === 0) {
      if (woke.terminal) break;
      continue;
    }
    await sleep(50); // the agent sends a burst within a millisecond; storing it takes a few
    const rest = await poll(0);
    r.bursts++;
    r.firstPoll.push(woke.stamped);
    if (woke.stamped + rest.stamped === burst) r.whole++;
    if (rest.terminal) break;
  }
  return r;
}

export const wakeLatency: Scenario = {
  name: "wake-latency",
  summary: "stamped A2A updates reaching a parked poll_events: p50/p99/max delay; bursts in one poll",
  timeoutMs: (flags) =>
    90_000 + num(flags, "wake-updates", 200) * num(flags, "wake-interval-ms", 50) * 2 + 60_000,
  async run(ctx: ScenarioContext) {
    const updates = num(ctx.flags, "wake-updates", 200);
    const intervalMs = num(ctx.flags, "wake-interval-ms", 50);
    const burst = num(ctx.flags, "burst", 20);
    const bursts = num(ctx.flags, "bursts", 20);
    const sy = await startSwitchyard(ctx.cleanup, switchyardOptions(ctx));
    const agent = await startAgentProcess(ctx.cleanup);
    const clock = await agent.clockOffset();
    ctx.log(`agent clock offset ${clock.offsetMs.toFixed(3)} ms (±${(clock.rttMs / 2).toFixed(3)})`);
    const client = await sy.client();
    const deadlineFor = (ms: number) => wallMs() + ms + 30_000;

    const spawn = async (plan: BenchPlan) =>
      (
        await callOk(client, "spawn_run", {
          backend: "remote_a2a",
          prompt: planPrompt(plan),
          backend_config: { agent_url: agent.ready.url },
        })
      ).run_id as string;
    // Single updates, far enough apart that the poll is parked again before each.
    const single = await spawn({ updates, interval_ms: intervalMs, start_delay_ms: 1000 });
    const s = await follow(client, single, clock.offsetMs, deadlineFor(updates * intervalMs));
    // Bursts of back-to-back updates, with pauses between them.
    const bursty = await spawn({ updates: burst * bursts, burst, interval_ms: 300, start_delay_ms: 1000 });
    const b = await followBursts(client, bursty, burst, deadlineFor(bursts * 300));
    // The floor: the same client pattern against a server that does nothing but park and wake.
    const floor = await startFloor(
      ctx.cleanup,
      sy.url,
      { name: "poll_events", arguments: { run_id: single, after_seq: 0, limit: 1 } },
      intervalMs,
    );
    const floorClient = await connectHttp(floor.ready.url, TOKEN);
    ctx.cleanup.defer("floor client", () => floorClient.close());
    const floorClock = await floor.clockOffset();
    const f = await follow(
      floorClient,
      "run_floor",
      floorClock.offsetMs,
      wallMs() + updates * intervalMs + 10_000,
      updates,
    );

    const sw = summarize(s.wakes);
    const fw = summarize(f.wakes);
    ctx.log(
      `wakes p50 ${round(sw.p50)} p99 ${round(sw.p99)} max ${round(sw.max)} ms; floor p50 ${round(fw.p50)} ms`,
    );
    const rows: Row[] = [
      { metric: "update → parked poll_events p50", value: round(sw.p50, 3), unit: "ms", target: max(5) },
      { metric: "update → parked poll_events p99", value: round(sw.p99, 3), unit: "ms", target: max(20) },
      { metric: "update → parked poll_events max", value: round(sw.max, 3), unit: "ms" },
      { metric: "updates received (single)", value: s.received, unit: `of ${updates}`, target: min(updates) },
      {
        metric: `bursts of ${burst}: rest returned by one poll once stored`,
        value: round((b.whole / Math.max(1, b.bursts)) * 100, 1),
        unit: "%",
        target: min(100),
      },
      {
        metric: `bursts of ${burst}: updates in the waking poll (mean)`,
        value: round(b.firstPoll.reduce((n, v) => n + v, 0) / Math.max(1, b.bursts), 2),
        unit: "updates",
      },
      {
        metric: `bursts: updates received`,
        value: b.received,
        unit: `of ${burst * bursts}`,
        target: min(burst * bursts),
      },
      {
        metric: "floor: event → parked poll p50",
        value: round(fw.p50, 3),
        unit: "ms",
        note: "floor: trivial node:http server",
      },
      {
        metric: "floor: event → parked poll p99",
        value: round(fw.p99, 3),
        unit: "ms",
        note: "floor: trivial node:http server",
      },
    ];
    return {
      rows,
      details: {
        updates,
        intervalMs,
        burst,
        burstCount: bursts,
        clock,
        single: { ...sw, pending: s.pending, received: s.received },
        bursts: b,
        floor: { ...fw, clock: floorClock },
      },
    };
  },
};
