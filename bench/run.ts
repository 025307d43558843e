// `npm run bench`: runs the benchmark scenarios (each starts and stops what it needs), prints a
// table of results against its targets (BENCHMARKS.md) and writes them to bench/results/latest.json.
// Not part of `npm test`. See BENCHMARKS.md for what each scenario measures.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { callOverhead } from "./scenarios/call-overhead.ts";
import { wakeLatency } from "./scenarios/wake-latency.ts";
import { fanOutScenario } from "./scenarios/fan-out.ts";
import { runnerRelay } from "./scenarios/runner-relay.ts";
import { bigLog } from "./scenarios/big-log.ts";
import { memory } from "./scenarios/memory.ts";
import { Cleanup } from "./support/cleanup.ts";
import { meets, type Flags, type Row, type Scenario } from "./support/scenario.ts";
import { errorMessage } from "../shared/backends/error-text.ts";

const SCENARIOS: Scenario[] = [callOverhead, wakeLatency, fanOutScenario, runnerRelay, bigLog, memory];

const SIZE_FLAGS = {
  calls: "call-overhead: get_run calls per measurement (default 2000)",
  callers: "call-overhead: concurrent callers (default 16)",
  "wake-updates": "wake-latency: stamped updates (default 200)",
  "wake-interval-ms": "wake-latency: pause between updates (default 50)",
  burst: "wake-latency: updates per burst (default 20)",
  bursts: "wake-latency: bursts (default 20)",
  fanout: "fan-out: run counts, comma separated (default 10,100,500; poll_events up to 100 unless given)",
  follow: "fan-out: how runs are followed, some of wait_runs,poll_events,watch_runs (default all)",
  updates: "fan-out: updates per run, K (default 20)",
  "interval-ms": "fan-out: pause between updates, D (default 50)",
  "payload-bytes": "fan-out: filler bytes per update (default 64)",
  "relay-runs": "runner-relay: concurrent runs on the runner (default 8)",
  "relay-events": "runner-relay: ~2 KB partial messages per run (default 1250)",
  "relay-chunk-chars": "runner-relay: characters per streamed chunk (default 256)",
  "cut-every-ms": "runner-relay: pause between link cuts in the second variant (default 1500)",
  "log-events": "big-log: events in the big run, fed through the runner link (default 100000)",
  "a2a-events": "big-log: events of the run streamed by the A2A agent (default 20000)",
  "list-runs": "big-log: runs to list (default 10000)",
  "memory-runs": "memory: concurrent runs (default 20)",
} as const;

const HELP = `Usage: npm run bench -- [--scenario NAME]... [size flags]

Scenarios (all by default, in this order):
${SCENARIOS.map((s) => `  ${s.name.padEnd(16)}${s.summary}`).join("\n")}

Size flags:
${Object.entries(SIZE_FLAGS)
  .map(([k, v]) => `  --${k.padEnd(20)}${v}`)
  .join("\n")}

  --wrangler-devtools  keep wrangler dev's own instrumentation on (local observability collector,
                       local explorer, request log); off by default, see BENCHMARKS.md
  --profile            write a CPU profile of the Worker per scenario to bench/results/<scenario>.cpuprofile
                       (open in Chrome DevTools) and print its top functions
  --out FILE           results JSON (default bench/results/latest.json)
  -h, --help           this text
`;

const { values } = parseArgs({
  options: {
    scenario: { type: "string", multiple: true },
    out: { type: "string" },
    "wrangler-devtools": { type: "boolean" },
    profile: { type: "boolean" },
    help: { type: "boolean", short: "h" },
    ...Object.fromEntries(Object.keys(SIZE_FLAGS).map((k) => [k, { type: "string" as const }])),
  },
  strict: true,
  allowPositionals: false,
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const selected = values.scenario?.length
  ? values.scenario.map((name) => {
      const found = SCENARIOS.find((s) => s.name === name);
      if (!found)
        throw new Error(
          `--scenario: no scenario "${name}"; scenarios are ${SCENARIOS.map((s) => s.name).join(", ")}`,
        );
      return found;
    })
  : SCENARIOS;
const flags = values as Flags;

const versionOf = (pkg: string): string => {
  const path = new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
};
const machine = {
  cpus: availableParallelism(),
  cpu_model: cpus()[0]?.model ?? "unknown",
  memory_gb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  wrangler: versionOf("wrangler"),
  // wrangler runs its own copy of workerd when the root one differs.
  workerd: existsSync(new URL("../node_modules/wrangler/node_modules/workerd/package.json", import.meta.url))
    ? versionOf("wrangler/node_modules/workerd")
    : versionOf("workerd"),
  mcp_sdk: versionOf("@modelcontextprotocol/sdk"),
  a2a_sdk: versionOf("@a2a-js/sdk"),
};

let current: Cleanup | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping what the scenario started\n`);
    void (current?.run() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

interface Outcome {
  scenario: string;
  seconds: number;
  /** 1-minute load average when the scenario started and ended: other work on the machine shows here. */
  load: [number, number];
  error?: string;
  rows: Row[];
  details?: Record<string, unknown>;
}

const outcomes: Outcome[] = [];
const startedAt = new Date().toISOString();
for (const scenario of selected) {
  const cleanup = new Cleanup();
  current = cleanup;
  const abort = new AbortController();
  const bound = scenario.timeoutMs(flags);
  const started = performance.now();
  const log = (line: string) =>
    process.stderr.write(
      `[${scenario.name} ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}\n`,
    );
  log(`starting (time bound ${Math.round(bound / 1000)} s)`);
  let timer: NodeJS.Timeout | undefined;
  const outcome: Outcome = { scenario: scenario.name, seconds: 0, load: [loadavg()[0]!, 0], rows: [] };
  try {
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new Error(`time bound of ${Math.round(bound / 1000)} s exceeded`));
      }, bound);
    });
    const result = await Promise.race([
      scenario.run({ name: scenario.name, flags, cleanup, log, signal: abort.signal }),
      expired,
    ]);
    outcome.rows = result.rows;
    outcome.details = result.details;
  } catch (error) {
    outcome.error = errorMessage(error);
    log(`failed: ${outcome.error}`);
  } finally {
    clearTimeout(timer);
    abort.abort();
    await cleanup.run();
    current = undefined;
  }
  outcome.seconds = Math.round((performance.now() - started) / 100) / 10;
  outcome.load[1] = loadavg()[0]!;
  log(
    `done in ${outcome.seconds} s (load average ${outcome.load[0].toFixed(2)} → ${outcome.load[1].toFixed(2)})`,
  );
  outcomes.push(outcome);
}

process.stdout.write(`\n${table(outcomes)}\n`);
const out = values.out ?? new URL("./results/latest.json", import.meta.url).pathname;
mkdirSync(new URL("./results/", import.meta.url).pathname, { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      started_at: startedAt,
      machine,
      flags: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)),
      scenarios: outcomes.map((o) => ({ ...o, rows: o.rows.map((r) => ({ ...r, meets_target: meets(r) })) })),
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`results: ${out}\n`);
process.exit(outcomes.some((o) => o.error) ? 1 : 0);

function table(all: Outcome[]): string {
  const lines = [["scenario", "metric", "value", "target", "ok"]];
  for (const o of all) {
    if (o.error) lines.push([o.scenario, `ERROR: ${o.error}`, "", "", "✗"]);
    for (const r of o.rows) {
      const ok = meets(r);
      const target = r.target
        ? `${r.target.kind === "max" ? "≤" : "≥"} ${r.target.limit} ${r.unit}`
        : (r.note ?? "");
      lines.push([
        o.scenario,
        r.metric,
        `${r.value} ${r.unit}`,
        target,
        ok === undefined ? "" : ok ? "✓" : "✗",
      ]);
    }
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
