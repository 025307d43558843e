// Runner relay: openai_compatible runs placed on one switchyard-runner, against the fake model
// streaming many small chunks that the backend coalesces into ~2 KB partial messages. Events/s
// into the logs (from the logs' own timestamps), and every partial checked against the scripted
// text: none lost, none twice. A second variant cuts the runner's connection every few seconds.
import { startCutProxy } from "../../test/fixtures/cut-proxy.ts";
import { pooled } from "../support/pool.ts";
import { scriptFake, startFakeModelProcess, startRunnerProcess } from "../support/peers.ts";
import { max, min, num, type Row, type Scenario, type ScenarioContext } from "../support/scenario.ts";
import { cpuMeter } from "../support/proc-cpu.ts";
import { round } from "../support/stats.ts";
import {
  callOk,
  readAllEvents,
  startSwitchyard,
  switchyardOptions,
  waitAll,
  type StoredEvent,
} from "../support/switchyard.ts";

/** The text a run's model streams: numbered 8-character words, so any loss or repeat shows. */
export const relayText = (run: number, chars: number): string => {
  const words: string[] = [];
  for (let i = 0; words.length * 8 < chars; i++)
    words.push(`${run.toString(36)}.${i.toString(36)}`.padEnd(7, "_") + " ");
  return words.join("").slice(0, chars);
};

interface RelayCheck {
  partials: number;
  lost: number;
  duplicated: number;
  textMatches: boolean;
  seqGaps: number;
  completed: boolean;
  firstMs: number;
  lastMs: number;
  /** Where the joined partials first differ from the script, with the partial there (for diagnosis). */
  mismatch?: { offset: number; index: number; seq: number; expected: string; got: string };
}

/** Partial messages carry `index` 0, 1, …; together, in order, they must be the scripted text. */
function checkRelay(events: StoredEvent[], text: string): RelayCheck {
  const partials = events.filter((e) => e.type === "agent_message" && e.data.partial === true);
  const counts = new Map<number, number>();
  for (const e of partials) counts.set(e.data.index as number, (counts.get(e.data.index as number) ?? 0) + 1);
  const top = Math.max(-1, ...counts.keys());
  let lost = 0;
  for (let i = 0; i <= top; i++) if (!counts.has(i)) lost++;
  const ordered = [...partials].sort((a, b) => (a.data.index as number) - (b.data.index as number));
  const joined = ordered.map((e) => e.data.text).join("");
  // Text still waiting in the coalescer when the stream ends is not sent as a partial: it is only in
  // the final, whole message (stored as an artifact when large). So the partials must be the text
  // up to a tail shorter than one partial, and the final message must be as long as the text.
  const final = events.find((e) => e.type === "agent_message" && e.data.partial === false);
  const finalRef = (final?.data.artifact_refs as Record<string, { total_bytes: number }> | undefined)?.[
    "/text"
  ];
  const finalBytes =
    finalRef?.total_bytes ?? (typeof final?.data.text === "string" ? final.data.text.length : -1);
  const textMatches =
    text.startsWith(joined) && text.length - joined.length < 2048 && finalBytes === text.length;
  let mismatch: RelayCheck["mismatch"];
  if (!text.startsWith(joined)) {
    let offset = 0;
    while (offset < joined.length && joined[offset] === text[offset]) offset++;
    let at = 0;
    let partial = ordered[0];
    for (const e of ordered) {
      if (at + (e.data.text as string).length > offset) {
        partial = e;
        break;
      }
      at += (e.data.text as string).length;
    }
    mismatch = {
      offset,
      index: partial?.data.index as number,
      seq: partial?.seq ?? 0,
      expected: text.slice(offset - 20, offset + 40),
      got: joined.slice(offset - 20, offset + 40),
    };
  }
  return {
    mismatch,
    partials: partials.length,
    lost,
    duplicated: [...counts.values()].reduce((s, c) => s + c - 1, 0),
    textMatches,
    seqGaps: events.filter((e, i) => e.seq !== i + 1).length,
    completed: events.some((e) => e.type === "run_completed"),
    firstMs: Date.parse(partials[0]?.ts ?? ""),
    lastMs: Date.parse(partials.at(-1)?.ts ?? ""),
  };
}

async function relay(ctx: ScenarioContext, variant: "steady" | "cuts") {
  const runs = num(ctx.flags, "relay-runs", 8);
  const chars = num(ctx.flags, "relay-events", 1250) * 2048;
  const chunkChars = num(ctx.flags, "relay-chunk-chars", 256);
  const cutEveryMs = num(ctx.flags, "cut-every-ms", 1500);
  const sy = await startSwitchyard(ctx.cleanup, switchyardOptions(ctx));
  const fake = await startFakeModelProcess(ctx.cleanup);
  const proxy = variant === "cuts" ? await startCutProxy(sy.dev.port) : undefined;
  if (proxy) ctx.cleanup.defer("cut proxy", () => proxy.close());
  const runner = await startRunnerProcess(ctx.cleanup, { url: proxy?.url ?? sy.url, maxRuns: runs });
  const client = await sy.client();

  const texts = Array.from({ length: runs }, (_, i) => relayText(i, chars));
  for (const [i, text] of texts.entries()) {
    await scriptFake(fake.ready.url, `bench-${variant}-${i}`, [
      { text, chunks: Math.ceil(text.length / chunkChars), intervalMs: 0 },
    ]);
  }
  const meter = cpuMeter({ wrangler: sy.dev.pid!, "fake model": fake.pid, runner: runner.pid });
  const started = performance.now();
  const runIds = await Promise.all(
    texts.map(async (_, i) => {
      const spawned = await callOk(client, "spawn_run", {
        backend: "openai_compatible",
        prompt: "stream the benchmark text",
        backend_config: { base_url: fake.ready.baseUrl, model: `bench-${variant}-${i}`, runner: runner.name },
      });
      return spawned.run_id as string;
    }),
  );
  let cuts = 0;
  const cutter = proxy
    ? setInterval(() => {
        if (proxy.cut() > 0) cuts++;
      }, cutEveryMs)
    : undefined;
  let ended: boolean;
  try {
    ended = await waitAll(client, runIds, started + 240_000);
  } finally {
    clearInterval(cutter);
  }
  const wallMs = performance.now() - started;
  const cpu = meter.stop();
  const logs = await pooled(runIds, 4, (id) => readAllEvents(client, id));
  const checks = logs.map((events, i) => checkRelay(events, texts[i]!));
  // Runs that did not complete, with how they ended (for diagnosis).
  const failures = logs.flatMap((events, i) =>
    checks[i]!.completed
      ? []
      : [
          {
            runId: runIds[i],
            last: events.slice(-3).map((e) => ({ seq: e.seq, type: e.type, data: e.data })),
          },
        ],
  );
  for (const f of failures)
    ctx.log(`${variant}: run ${f.runId} did not complete: ${JSON.stringify(f.last).slice(0, 600)}`);
  const partials = checks.reduce((s, c) => s + c.partials, 0);
  const spanMs = Math.max(...checks.map((c) => c.lastMs)) - Math.min(...checks.map((c) => c.firstMs));
  const downMs = disconnectedMs(runner.timedLines, started, started + wallMs);
  const r = {
    variant,
    runs,
    partials,
    events: logs.reduce((s, l) => s + l.length, 0),
    eventsPerSecond: partials / Math.max(0.001, spanMs / 1000),
    perRunEventsPerSecond: checks.map((c) => c.partials / Math.max(0.001, (c.lastMs - c.firstMs) / 1000)),
    wallMs: Math.round(wallMs),
    allEnded: ended,
    completed: checks.filter((c) => c.completed).length,
    lost: checks.reduce((s, c) => s + c.lost, 0),
    duplicated: checks.reduce((s, c) => s + c.duplicated, 0),
    textMismatches: checks.filter((c) => !c.textMatches).length,
    mismatches: checks.flatMap((c) => (c.mismatch ? [c.mismatch] : [])),
    seqGaps: checks.reduce((s, c) => s + c.seqGaps, 0),
    cuts,
    reconnects: runner.lines.filter((l) => l.includes("connected to")).length - 1,
    disconnectedMs: Math.round(downMs),
    eventsPerConnectedSecond: partials / Math.max(0.001, (spanMs - downMs) / 1000),
    runnerRssMb: round(runner.rssMb(), 1),
    failures,
    /** CPU per process over the whole variant (ms), e.g. to see which side limits the rate. */
    cpuMs: Object.fromEntries(Object.entries(cpu).map(([role, ms]) => [role, Math.round(ms)])),
  };
  ctx.log(
    `${variant}: ${partials} partials at ${round(r.eventsPerSecond, 0)} events/s, lost ${r.lost}, dup ${r.duplicated}, text mismatches ${r.textMismatches}, cuts ${cuts}`,
  );
  ctx.log(`${variant}: CPU ms over ${Math.round(wallMs)} ms: ${JSON.stringify(r.cpuMs)}`);
  await ctx.cleanup.run();
  return r;
}

/** Time the runner spent between "link lost" and the next "connected" within [from, to] (ms). */
function disconnectedMs(lines: { at: number; line: string }[], from: number, to: number): number {
  let total = 0;
  let lostAt: number | undefined;
  for (const { at, line } of lines) {
    if (at < from || at > to) continue;
    if (line.startsWith("link lost") && lostAt === undefined) lostAt = at;
    if (line.startsWith("connected to") && lostAt !== undefined) {
      total += at - lostAt;
      lostAt = undefined;
    }
  }
  return total + (lostAt !== undefined ? to - lostAt : 0);
}

export const runnerRelay: Scenario = {
  name: "runner-relay",
  summary: "openai_compatible runs through one runner: events/s into the logs, loss; again with link cuts",
  timeoutMs: () => 2 * 300_000,
  async run(ctx: ScenarioContext) {
    const rows: Row[] = [];
    const details: Record<string, unknown> = {};
    for (const variant of ["steady", "cuts"] as const) {
      const r = await relay(ctx, variant);
      details[variant] = r;
      const label =
        variant === "cuts" ? `with cuts every ${num(ctx.flags, "cut-every-ms", 1500)} ms` : "steady link";
      rows.push(
        {
          metric: `${label}: events/s into the logs`,
          value: round(r.eventsPerSecond, 0),
          unit: "events/s",
          target: min(5000),
        },
        { metric: `${label}: partial events`, value: r.partials, unit: "events" },
        { metric: `${label}: lost`, value: r.lost + r.textMismatches, unit: "events", target: max(0) },
        { metric: `${label}: duplicated`, value: r.duplicated, unit: "events", target: max(0) },
        { metric: `${label}: runs completed`, value: r.completed, unit: `of ${r.runs}`, target: min(r.runs) },
      );
      if (variant === "cuts") {
        rows.push(
          { metric: `${label}: connections cut`, value: r.cuts, unit: "cuts" },
          {
            metric: `${label}: time reconnecting (runner backoff)`,
            value: r.disconnectedMs,
            unit: `ms of ${Math.round(r.wallMs)}`,
          },
          {
            metric: `${label}: events/s while connected`,
            value: round(r.eventsPerConnectedSecond, 0),
            unit: "events/s",
          },
        );
      }
    }
    return { rows, details };
  },
};
