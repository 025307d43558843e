// Turn metrics: usage of every run rolls up under each group_by, checked against the sums of the
// runs' usage events (read back with poll_events).
import { describe, expect, it } from "vitest";
import { TOKEN_FIELDS } from "../../shared/runs/usage.ts";
import { agentUrl, connect, drainEvents, waitForStatus, type TestClient } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

async function usageOf(c: TestClient, runId: string) {
  const events = await drainEvents(c, runId);
  return events.filter((e) => e.type === "usage").map((e) => e.data);
}

describe("turn metrics", () => {
  it("roll up under every group_by to the sums of the usage events", async () => {
    // A tenant of its own, so the totals are exactly what this test produced.
    const c = await connect("test-token-globex");
    await c.ok("manage_lane", { operation: "upsert", lane_id: "m-lane" });
    const a2a = (extra: Record<string, unknown>) =>
      c.ok("spawn_run", {
        backend: "remote_a2a",
        prompt: "go",
        backend_config: { agent_url: agentUrl("streaming") },
        ...extra,
      });
    const root = await a2a({ agent_name: "m-root", lane_id: "m-lane" });
    const child = await a2a({ parent_run_id: root.run_id, lane_id: "m-lane" });
    const failing = await c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      backend_config: { agent_url: agentUrl("failing") },
    });

    // A runner relays a codex run's two turns, one priced by the price table, one reporting its cost.
    const runner = await ScriptedRunner.connect({ token: "runner-token-globex", name: "m-runner" });
    const relayed = await c.ok("spawn_run", {
      backend: "codex",
      prompt: "go",
      cwd: "/w",
      parent_run_id: root.run_id,
    });
    await runner.next("run.dispatch");
    runner.outputs(relayed.run_id, 1, [
      { type: "run_started", data: {} },
      {
        type: "usage",
        data: {
          input_tokens: 100,
          cached_input_tokens: 40,
          output_tokens: 10,
          reasoning_tokens: 5,
          model: "priced-model",
        },
      },
      { type: "usage", data: { input_tokens: 7, output_tokens: 3, cost_usd: 0.5, model: "other-model" } },
      { type: "run_completed", data: { final_response: "ok" } },
    ]);
    await waitForStatus(c, relayed.run_id, ["completed"]);
    runner.close();

    const runs = [root, child, failing, relayed];
    const usage = Object.fromEntries(
      await Promise.all(runs.map(async (r) => [r.run_id, await usageOf(c, r.run_id)] as const)),
    );
    const sum = (ids: string[], field: string) =>
      ids.flatMap((id) => usage[id]!).reduce((n, u) => n + (u[field] ?? 0), 0);

    // The priced turn is priced from the table; the other reports its own cost.
    const [priced, reported] = usage[relayed.run_id]!;
    expect(priced).toMatchObject({ cost_source: "priced", backend: "codex", total_tokens: 115 });
    expect(priced.cost_usd).toBeCloseTo(((100 - 40) * 2 + 40 * 2 + 15 * 8) / 1e6);
    expect(reported).toMatchObject({ cost_source: "reported", cost_usd: 0.5 });

    const check = async (groupBy: string, key: string | null, ids: string[]) => {
      const { groups } = await c.ok("get_metrics", { group_by: groupBy, limit: 200 });
      const group = groups.find((g: any) => g.key === key);
      expect(group, `${groupBy}=${key}`).toBeTruthy();
      for (const field of TOKEN_FIELDS)
        expect(group[field], `${groupBy}=${key} ${field}`).toBe(sum(ids, field));
      expect(group.runs).toBe(ids.length);
      return group;
    };
    await check("run", root.run_id, [root.run_id]);
    const tree = await check("run_tree", root.run_id, [root.run_id, child.run_id, relayed.run_id]);
    expect(tree.cost_usd).toBeCloseTo(priced.cost_usd + 0.5);
    expect(tree.unpriced_tokens).toBe(sum([root.run_id, child.run_id], "total_tokens"));
    await check("lane", "m-lane", [root.run_id, child.run_id]);
    await check("lane", null, [failing.run_id, relayed.run_id]);
    const byBackend = await check("backend", "remote_a2a", [root.run_id, child.run_id, failing.run_id]);
    expect(byBackend.outcomes).toMatchObject({ completed: 2, failed: 1 });
    expect(byBackend.success_rate).toBeCloseTo(2 / 3);
    // The failing agent reports no usage: counted apart, its zeros not taken for usage.
    expect(byBackend.usage_unreported_runs).toBe(1);
    expect(tree.usage_unreported_runs).toBe(0);
    expect(byBackend.duration_ms.p50).toBeGreaterThanOrEqual(0);
    await check("backend", "codex", [relayed.run_id]);
    await check("model", "other-model", [relayed.run_id]);
    await check("agent_name", "m-root", [root.run_id]);
    await check(
      "day",
      root.created_at.slice(0, 10),
      runs.map((r) => r.run_id),
    );

    const filtered = await c.ok("get_metrics", {
      group_by: "backend",
      backend: "codex",
      since: root.created_at,
    });
    expect(filtered.groups.map((g: any) => g.key)).toEqual(["codex"]);
    const future = await c.ok("get_metrics", { group_by: "backend", since: "2999-01-01T00:00:00Z" });
    expect(future.groups).toEqual([]);
  });
});
