// Usage an agent does not report reads as not reported — null in get_run, counted apart in
// get_metrics — never as zero tokens; usage that is reported is summed.
import { describe, expect, it } from "vitest";
import { connect, drainEvents, spawnA2aRun, type TestClient } from "./support/mcp.ts";
import { fakeRoot, script, uniqueModel } from "./support/openai-backend.ts";

async function metricsOf(c: TestClient, groupBy: string, key: string) {
  const { groups } = await c.ok("get_metrics", { group_by: groupBy, limit: 200 });
  return groups.find((g: any) => g.key === key);
}

describe("usage not reported", () => {
  it("an A2A agent that reports no usage: usage null in get_run, an unreported run in get_metrics", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "nonStreaming");
    const events = await drainEvents(c, run.run_id);
    expect(events.filter((e) => e.type === "usage")).toHaveLength(0);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got.status).toBe("completed");
    expect(got.result.usage).toBeNull();

    const group = await metricsOf(c, "run", run.run_id);
    expect(group).toMatchObject({ runs: 1, usage_unreported_runs: 1, turns: 0, total_tokens: 0 });
  });

  it("an A2A agent that reports usage is summed, not counted as unreported", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "streaming");
    await drainEvents(c, run.run_id);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got.result.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, turns: 1 });
    expect(await metricsOf(c, "run", run.run_id)).toMatchObject({
      usage_unreported_runs: 0,
      input_tokens: 11,
      output_tokens: 7,
    });
  });

  it("a run tree sums the reported usage and counts the unreported run beside it", async () => {
    const c = await connect();
    const root = await spawnA2aRun(c, "nonStreaming");
    const model = uniqueModel();
    await script(model, [{ text: "four", usage: { prompt_tokens: 12, completion_tokens: 3 } }]);
    const child = await c.ok("spawn_run", {
      backend: "openai_compatible",
      prompt: "2+2?",
      parent_run_id: root.run_id,
      backend_config: { base_url: `${fakeRoot()}/v1`, model },
    });
    await drainEvents(c, root.run_id);
    await drainEvents(c, child.run_id);
    expect((await c.ok("get_run", { run_id: child.run_id })).result.usage).toMatchObject({
      input_tokens: 12,
      output_tokens: 3,
      turns: 1,
    });
    expect(await metricsOf(c, "run_tree", root.run_id)).toMatchObject({
      runs: 2,
      usage_unreported_runs: 1,
      input_tokens: 12,
      output_tokens: 3,
      total_tokens: 15,
      turns: 1,
    });
  });
});
