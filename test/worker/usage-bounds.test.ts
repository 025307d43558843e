// Numbers a backend reports are checked before they count: usage out of range (from the runner
// holding the run, or from an edge backend) is stored as an anomaly and reaches neither the run's
// totals, nor budgets, nor metrics; and a run that ended stores only a few more events.
import { describe, expect, it } from "vitest";
import { LATE_EVENT_LIMIT } from "../../worker/runs/run-record.ts";
import { MAX_TOKENS_PER_EVENT, normalizeUsage } from "../../shared/runs/usage.ts";
import { connect, drainEvents, waitForStatus, type TestClient } from "./support/mcp.ts";
import { fakeRoot, script, uniqueModel } from "./support/openai-backend.ts";
import { runnerWithRun } from "./support/scripted-runner.ts";
import { ignoredFrames } from "./support/storage.ts";

/** Each out-of-range usage report, with the field its anomaly names. */
const OUT_OF_RANGE: [Record<string, unknown>, string][] = [
  [{ input_tokens: 1e12, output_tokens: 5 }, "input_tokens"],
  [{ input_tokens: -5 }, "input_tokens"],
  [{ output_tokens: 1e300 }, "output_tokens"],
  [{ reasoning_tokens: 2.5 }, "reasoning_tokens"],
  [{ cached_input_tokens: null }, "cached_input_tokens"],
  [{ input_tokens: "12" }, "input_tokens"],
  [{ total_tokens: 1e12 }, "total_tokens"],
  [{ input_tokens: 60_000_000, output_tokens: 60_000_000 }, "total_tokens"],
  [{ input_tokens: 1, cost_usd: 1e9 }, "cost_usd"],
  [{ input_tokens: 1, cost_usd: -0.01 }, "cost_usd"],
  [{ input_tokens: 1, duration_ms: -1 }, "duration_ms"],
];

/**
 * The run's own group in get_metrics once `ready` says the tenant has been told (the run object
 * tells it in the background); bounded, then returned as it is for the assertions to judge.
 */
async function metricsOf(c: TestClient, runId: string, ready: (group: any) => boolean) {
  let group: any;
  for (let i = 0; i < 100; i++) {
    const { groups } = await c.ok("get_metrics", { group_by: "run", root_run_id: runId });
    group = groups.find((g: any) => g.key === runId);
    if (group && ready(group)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return group;
}

describe("usage numbers", () => {
  it("are refused out of range: at most 100M whole tokens, finite non-negative cost and duration", () => {
    const ok = normalizeUsage({ input_tokens: MAX_TOKENS_PER_EVENT }, "codex", {});
    expect(ok).toMatchObject({ input_tokens: MAX_TOKENS_PER_EVENT, total_tokens: MAX_TOKENS_PER_EVENT });
    for (const [data, field] of [
      ...OUT_OF_RANGE,
      [{ input_tokens: MAX_TOKENS_PER_EVENT + 1 }, "input_tokens"],
    ]) {
      const refused = normalizeUsage(data as Record<string, unknown>, "codex", {});
      expect(refused, JSON.stringify(data)).toEqual({
        backend: "codex",
        anomaly: {
          code: "usage_out_of_range",
          field,
          message: expect.stringContaining(`${field}: expected`),
        },
      });
    }
    // More cached input than input (a backend counting them apart) never makes a cost negative.
    const prices = { m: { input_per_mtok: 3, cached_input_per_mtok: 0.3, output_per_mtok: 15 } };
    const priced = normalizeUsage(
      { input_tokens: 10, cached_input_tokens: 1000, model: "m" },
      "codex",
      prices,
    );
    expect(priced).toMatchObject({ cost_source: "priced", cost_usd: (1000 * 0.3) / 1e6 });
  });

  it("from the holding runner: out of range stored as anomalies, counted nowhere, the run not stopped", async () => {
    const c = await connect();
    const { runner, runId } = await runnerWithRun(c, "usage", { budget: { tree_token_budget: 1000 } });
    runner.outputs(runId, 1, [
      { type: "run_started", data: {} },
      ...OUT_OF_RANGE.map(([data]) => ({ type: "usage", data })),
      { type: "usage", data: { input_tokens: 10, output_tokens: 5 } },
    ]);
    const last = OUT_OF_RANGE.length + 2;
    expect((await runner.next("run.ack")).source_seq).toBe(last);

    // The valid turn is the only one counted: in the run's totals and, once told, in the metrics.
    const live = await c.ok("get_run", { run_id: runId });
    expect(live.status).toBe("running");
    expect(live.result.usage).toMatchObject({
      input_tokens: 10,
      output_tokens: 5,
      total_tokens: 15,
      turns: 1,
    });
    const group = await metricsOf(c, runId, (g) => g.total_tokens > 0);
    expect(group).toMatchObject({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });

    const usage = (await c.ok("poll_events", { run_id: runId, limit: 1000, wait_ms: 0 })).events.filter(
      (e: any) => e.type === "usage",
    );
    expect(usage.map((e: any) => e.data.anomaly?.field ?? null)).toEqual([
      ...OUT_OF_RANGE.map(([, field]) => field),
      null,
    ]);
    for (const e of usage.slice(0, -1)) {
      expect(e.data.anomaly.code).toBe("usage_out_of_range");
      expect(Object.keys(e.data).sort()).toEqual(["anomaly", "backend"]);
    }

    runner.outputs(runId, last + 1, [{ type: "run_completed", data: { final_response: "done" } }]);
    const done = await waitForStatus(c, runId, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.result.usage.total_tokens).toBe(15);
    runner.close();
  });

  it("from an edge backend: refused the same way, the run completes within its budget", async () => {
    const c = await connect();
    const model = uniqueModel();
    await script(model, [{ text: "four", usage: { prompt_tokens: 1e12, completion_tokens: 3 } }]);
    const run = await c.ok("spawn_run", {
      backend: "openai_compatible",
      prompt: "2+2",
      budget: { tree_token_budget: 1000 },
      backend_config: { base_url: `${fakeRoot()}/v1`, model },
    });
    const events = await drainEvents(c, run.run_id);
    const done = await c.ok("get_run", { run_id: run.run_id });
    expect(done).toMatchObject({ status: "completed", result: { final_response: "four" } });
    // Its only usage report was refused, so the run reads as having reported none.
    expect(done.result.usage).toBeNull();
    expect(events.filter((e) => e.type === "usage").map((e) => e.data)).toEqual([
      { backend: "openai_compatible", anomaly: expect.objectContaining({ field: "input_tokens" }) },
    ]);
    const group = await metricsOf(c, run.run_id, (g) => g.outcomes.completed === 1);
    expect(group).toMatchObject({
      outcomes: { completed: 1 },
      input_tokens: 0,
      total_tokens: 0,
      usage_unreported_runs: 1,
    });
  });
});

describe("events after a run's end", () => {
  it(`are stored up to ${LATE_EVENT_LIMIT}, the rest counted as dropped on the record`, async () => {
    const c = await connect();
    const { runner, runId } = await runnerWithRun(c, "late");
    const late = Array.from({ length: 500 }, (_, i) => ({
      type: "agent_message",
      data: { text: `late ${i}` },
    }));
    runner.outputs(runId, 1, [
      { type: "run_started", data: {} },
      { type: "run_completed", data: { final_response: "done" } },
      ...late,
    ]);
    // All acknowledged, so the runner forgets them; only the first few are kept.
    expect((await runner.next("run.ack")).source_seq).toBe(502);
    const done = await c.ok("get_run", { run_id: runId });
    expect(done).toMatchObject({ status: "completed", result: { final_response: "done" }, summary: "" });
    expect(done.late_events).toEqual({ stored: LATE_EVENT_LIMIT, dropped: 500 - LATE_EVENT_LIMIT });
    const events = await drainEvents(c, runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => String(e.data.text).startsWith("late")).map((e) => e.data.text)).toEqual(
      late.slice(0, LATE_EVENT_LIMIT).map((e) => e.data.text),
    );

    // Later frames of its last holder add nothing either (stored, dropped, or ignored as it no longer holds it).
    runner.outputs(runId, 503, late.slice(0, 100));
    expect((await runner.next("run.ack")).source_seq).toBe(602);
    const after = await c.ok("get_run", { run_id: runId });
    expect(after.late_events.stored).toBe(LATE_EVENT_LIMIT);
    expect(after.last_seq).toBe(done.last_seq);
    runner.close();
  });

  it("from the runner that held a cancelled run are its last words: stored as late, not ignored", async () => {
    const c = await connect();
    const { runner, runId } = await runnerWithRun(c, "last-words");
    runner.outputs(runId, 1, [{ type: "run_started", data: {} }]);
    await runner.next("run.ack", (f) => f.source_seq === 1);
    expect((await c.ok("cancel_run", { run_id: runId })).status).toBe("cancelled");
    await runner.next("run.cancel", (f) => f.run_id === runId);
    // What the runner had queued when it stopped the agent, sent once the run already ended here.
    runner.outputs(runId, 2, [
      { type: "usage", data: { input_tokens: 40, output_tokens: 2 } },
      { type: "run_failed", data: { error: { code: "cancelled", message: "stopped by the runner" } } },
    ]);
    expect((await runner.next("run.ack", (f) => f.run_id === runId)).source_seq).toBe(3);
    const after = await c.ok("get_run", { run_id: runId });
    expect(after).toMatchObject({ status: "cancelled", late_events: { stored: 2, dropped: 0 } });
    expect(await ignoredFrames(runner.name)).toBe(0);
    runner.close();
  });
});
