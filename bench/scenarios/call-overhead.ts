// Call overhead: get_run on a finished run over HTTP with the MCP SDK client, one caller and 16
// concurrent callers, against Switchyard and against the floor — a trivial node:http server in its
// own process answering the same captured bytes — plus the same with bare fetch (no SDK client).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { connectHttp } from "../../test/e2e/support/mcp-http.ts";
import { planPrompt } from "../support/bench-agent.ts";
import { rpc, startFloor } from "../support/floor.ts";
import { startAgentProcess } from "../support/peers.ts";
import { runLoad, type LoadResult } from "../support/load.ts";
import { cpuMeter, directWorkerUrl } from "../support/proc-cpu.ts";
import { max, num, type Row, type Scenario, type ScenarioContext } from "../support/scenario.ts";
import { round } from "../support/stats.ts";
import { callOk, startSwitchyard, switchyardOptions, TOKEN, waitAll } from "../support/switchyard.ts";

export const callOverhead: Scenario = {
  name: "call-overhead",
  summary:
    "get_run on a finished run: sequential and 16 concurrent callers, against Switchyard and the floor",
  timeoutMs: (flags) => 60_000 + num(flags, "calls", 2000) * 4 * 20,
  async run(ctx: ScenarioContext) {
    const calls = num(ctx.flags, "calls", 2000);
    const callers = num(ctx.flags, "callers", 16);
    const sy = await startSwitchyard(ctx.cleanup, switchyardOptions(ctx));
    const agent = await startAgentProcess(ctx.cleanup);
    const client = await sy.client();
    const spawned = await callOk(client, "spawn_run", {
      backend: "remote_a2a",
      prompt: planPrompt({ updates: 3, interval_ms: 0 }),
      backend_config: { agent_url: agent.ready.url },
    });
    const runId = spawned.run_id as string;
    if (!(await waitAll(client, [runId], performance.now() + 30_000)))
      throw new Error("the run did not finish");
    const args = { run_id: runId };

    // The floor answers exactly what Switchyard answered.
    const floor = await startFloor(ctx.cleanup, sy.url, { name: "get_run", arguments: args });

    const rows: Row[] = [];
    const details: Record<string, unknown> = { calls, callers };
    const clientsOf: Partial<Record<"switchyard" | "floor", Client[]>> = {};
    for (const [target, url] of [
      ["switchyard", sy.url],
      ["floor", floor.ready.url],
    ] as const) {
      const clients = await Promise.all(Array.from({ length: callers }, () => connectHttp(url, TOKEN)));
      clientsOf[target] = clients;
      ctx.cleanup.defer(`${target} clients`, () => Promise.all(clients.map((c) => c.close())));
      const sdk = (c: number) => callOk(clients[c]!, "get_run", args);
      const seq = await runLoad(1, calls, 200, sdk);
      const par = await runLoad(callers, Math.ceil(calls / callers), 200, sdk);
      const bare = await runLoad(1, calls, 200, () =>
        rpc(url, "tools/call", { name: "get_run", arguments: args }),
      );
      ctx.log(
        `${target}: sdk seq p50 ${round(seq.latency.p50)} ms, ${callers} callers p50 ${round(par.latency.p50)} ms, fetch p50 ${round(bare.latency.p50)} ms`,
      );
      details[target] = { sequential: seq, concurrent: par, bareFetch: bare };
      rows.push(...toRows(target, seq, par, bare, callers));
    }
    // The same trivial route through wrangler dev's own chain (proxy worker, entry worker, Hono).
    const health = await runLoad(1, calls, 200, () => fetch(`${sy.url}/health`).then((r) => r.text()));
    details.wranglerHealth = health;
    rows.push({
      metric: "wrangler dev GET /health (trivial route) p50",
      value: round(health.latency.p50, 3),
      unit: "ms",
      note: "floor of wrangler dev itself",
    });
    rows.push({
      metric: "wrangler dev GET /health (trivial route) p99",
      value: round(health.latency.p99, 3),
      unit: "ms",
      note: "floor of wrangler dev itself",
    });

    // Where a get_run's time goes: CPU per call in each process, and the call without wrangler's proxy.
    const meter = cpuMeter({ wrangler: sy.dev.pid! });
    const measured = clientsOf.switchyard![0]!;
    await runLoad(1, 1000, 0, () => callOk(measured, "get_run", args));
    const cpu = Object.fromEntries(
      Object.entries(meter.stop()).map(([role, ms]) => [role, round(ms / 1000, 3)]),
    );
    details.cpuPerCallMs = cpu;
    ctx.log(`CPU per get_run (ms): ${JSON.stringify(cpu)}`);
    for (const [role, ms] of Object.entries(cpu)) {
      if (ms >= 0.05)
        rows.push({
          metric: `get_run CPU per call: ${role}`,
          value: ms,
          unit: "ms",
          note: "where the time goes",
        });
    }
    const direct = await directWorkerUrl(sy.dev.pid!);
    if (direct) {
      const directClient = await connectHttp(direct, TOKEN);
      ctx.cleanup.defer("direct client", () => directClient.close());
      const d = await runLoad(1, calls, 200, () => callOk(directClient, "get_run", args));
      details.direct = d;
      rows.push({
        metric: "get_run sequential p50, bypassing wrangler's proxy",
        value: round(d.latency.p50, 3),
        unit: "ms",
        note: "reference: straight to workerd",
      });
    }
    return { rows, details };
  },
};

function toRows(
  target: "switchyard" | "floor",
  seq: LoadResult,
  par: LoadResult,
  bare: LoadResult,
  callers: number,
): Row[] {
  const sy = target === "switchyard";
  const note = sy ? undefined : "floor: trivial node:http server, same bytes";
  return [
    {
      metric: `${target} get_run sequential p50`,
      value: round(seq.latency.p50, 3),
      unit: "ms",
      target: sy ? max(1) : undefined,
      note,
    },
    {
      metric: `${target} get_run sequential p99`,
      value: round(seq.latency.p99, 3),
      unit: "ms",
      target: sy ? max(5) : undefined,
      note,
    },
    { metric: `${target} get_run sequential`, value: round(seq.callsPerSecond, 0), unit: "calls/s", note },
    {
      metric: `${target} get_run ${callers} callers p50`,
      value: round(par.latency.p50, 3),
      unit: "ms",
      target: sy ? max(1) : undefined,
      note,
    },
    {
      metric: `${target} get_run ${callers} callers p99`,
      value: round(par.latency.p99, 3),
      unit: "ms",
      target: sy ? max(5) : undefined,
      note,
    },
    {
      metric: `${target} get_run ${callers} callers`,
      value: round(par.callsPerSecond, 0),
      unit: "calls/s",
      note,
    },
    {
      metric: `${target} get_run bare fetch (no SDK client) p50`,
      value: round(bare.latency.p50, 3),
      unit: "ms",
      note: note ?? "reference",
    },
  ];
}
