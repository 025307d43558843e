// Memory: the runner's resident set size idle (connected, no runs) and while it holds 20 concurrent
// openai_compatible runs streaming from the fake model — as the published package runs it (the
// bundled build), and idle as `npm start` runs it from the TypeScript source.
import {
  scriptFake,
  startFakeModelProcess,
  startRunnerProcess,
  type RunnerProcess,
} from "../support/peers.ts";
import { max, min, num, type Scenario, type ScenarioContext } from "../support/scenario.ts";
import { round, summarize } from "../support/stats.ts";
import { callOk, startSwitchyard, switchyardOptions, waitAll } from "../support/switchyard.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sampleRss(runner: RunnerProcess, ms: number, every = 250): Promise<number[]> {
  const samples: number[] = [];
  for (const end = performance.now() + ms; performance.now() < end; await sleep(every))
    samples.push(runner.rssMb());
  return samples;
}

/** RSS once connected and settled (probes done, start-up garbage collectable). */
async function idleRss(runner: RunnerProcess): Promise<number> {
  await sleep(5000);
  return summarize(await sampleRss(runner, 3000)).p50;
}

export const memory: Scenario = {
  name: "memory",
  summary: "switchyard-runner RSS idle and with 20 concurrent runs",
  timeoutMs: () => 240_000,
  async run(ctx: ScenarioContext) {
    const runs = num(ctx.flags, "memory-runs", 20);
    const sy = await startSwitchyard(ctx.cleanup, switchyardOptions(ctx));
    const fake = await startFakeModelProcess(ctx.cleanup);
    const client = await sy.client();

    const fromSource = await startRunnerProcess(ctx.cleanup, {
      url: sy.url,
      name: "bench-source",
      maxRuns: runs,
    });
    const sourceIdle = await idleRss(fromSource);
    ctx.log(`idle RSS from source ${round(sourceIdle, 1)} MB`);
    const runner = await startRunnerProcess(ctx.cleanup, {
      url: sy.url,
      name: "bench-bundle",
      maxRuns: runs,
      form: "bundle",
    });
    const idle = await idleRss(runner);
    ctx.log(`idle RSS as installed ${round(idle, 1)} MB`);

    // Each run streams ~10 s: 200 chunks 50 ms apart.
    for (let i = 0; i < runs; i++) {
      await scriptFake(fake.ready.url, `bench-mem-${i}`, [
        { text: "word ".repeat(4000), chunks: 200, intervalMs: 50 },
      ]);
    }
    const runIds = await Promise.all(
      Array.from({ length: runs }, async (_, i) => {
        const spawned = await callOk(client, "spawn_run", {
          backend: "openai_compatible",
          prompt: "stream slowly",
          backend_config: { base_url: fake.ready.baseUrl, model: `bench-mem-${i}`, runner: runner.name },
        });
        return spawned.run_id as string;
      }),
    );
    await runner.waitFor(`run ${runIds.at(-1)} started`, 30_000);
    const busy = summarize(await sampleRss(runner, 6000));
    const ended = await waitAll(client, runIds, performance.now() + 60_000);
    const after = summarize(await sampleRss(runner, 2000));
    ctx.log(
      `busy RSS p50 ${round(busy.p50, 1)} MB, peak ${round(busy.max, 1)} MB; after ${round(after.p50, 1)} MB`,
    );
    return {
      rows: [
        {
          metric: "runner RSS idle (as installed: bundled build)",
          value: round(idle, 1),
          unit: "MB",
          target: max(100),
        },
        {
          metric: "runner RSS idle (from source, as npm start runs it)",
          value: round(sourceIdle, 1),
          unit: "MB",
          note: "Node type stripping loaded",
        },
        { metric: `runner RSS with ${runs} concurrent runs (median)`, value: round(busy.p50, 1), unit: "MB" },
        { metric: `runner RSS with ${runs} concurrent runs (peak)`, value: round(busy.max, 1), unit: "MB" },
        { metric: "runner RSS after the runs ended", value: round(after.p50, 1), unit: "MB" },
        { metric: "runs completed", value: ended ? runs : 0, unit: `of ${runs}`, target: min(runs) },
      ],
      details: { sourceIdle, idle, busy, after },
    };
  },
};
