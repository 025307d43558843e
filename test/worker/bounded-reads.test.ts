// Bounded reads: a max_bytes budget is never exceeded, and what was trimmed stays reachable.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, drainEvents } from "./support/mcp.ts";

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

describe("bounded reads", () => {
  it("poll_events under max_bytes trims from the end and the rest is reached by polling on", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      backend_config: { agent_url: agentUrl("bigOutput") },
    });
    const all = await drainEvents(c, run.run_id);
    const got: any[] = [];
    let after = 0;
    for (let i = 0; i < 100; i++) {
      const page = await c.ok("poll_events", {
        run_id: run.run_id,
        after_seq: after,
        wait_ms: 0,
        max_bytes: 3000,
        detail: "summary",
      });
      expect(bytes(page)).toBeLessThanOrEqual(3000);
      got.push(...page.events);
      if (page.truncated) expect(page.truncated.how_to_get).toContain("after_seq");
      if (page.events.length === 0) break;
      after = page.next_after_seq;
    }
    expect(got.map((e) => e.seq)).toEqual(all.map((e) => e.seq));
  });

  it("list_runs with fields and max_bytes pages every run through the cursor", async () => {
    const c = await connect();
    for (let i = 0; i < 6; i++) {
      await c.ok("spawn_run", {
        backend: "remote_a2a",
        role: "bounded",
        prompt: "go",
        backend_config: { agent_url: agentUrl("inputRequired") },
      });
    }
    const everything = (await c.ok("list_runs", { role: "bounded", limit: 200 })).runs.map(
      (r: any) => r.run_id,
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await c.ok("list_runs", {
        role: "bounded",
        limit: 200,
        max_bytes: 700,
        fields: ["run_id", "status"],
        ...(cursor ? { cursor } : {}),
      });
      expect(bytes(page)).toBeLessThanOrEqual(700);
      for (const r of page.runs) expect(Object.keys(r).sort()).toEqual(["run_id", "status"]);
      seen.push(...page.runs.map((r: any) => r.run_id));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(seen).toEqual(everything);
  });

  it("get_metrics and get_lane_activity respect max_bytes and say how to get the rest", async () => {
    const c = await connect();
    await c.ok("manage_lane", {
      operation: "upsert",
      lane_id: "bounded-lane",
      backend: "remote_a2a",
      backend_config: { agent_url: agentUrl("inputRequired") },
    });
    for (let i = 0; i < 5; i++) await c.ok("spawn_run", { lane_id: "bounded-lane", prompt: "go" });
    const metrics = await c.ok("get_metrics", { group_by: "run", max_bytes: 1500 });
    expect(bytes(metrics)).toBeLessThanOrEqual(1500);
    expect(metrics.truncated.how_to_get).toContain("offset");
    const rest = await c.ok("get_metrics", { group_by: "run", offset: metrics.next_offset, limit: 200 });
    expect(rest.groups.length).toBeGreaterThan(0);

    const full = await c.ok("get_lane_activity", { lane_id: "bounded-lane" });
    const budget = bytes(full) - 200;
    const trimmed = await c.ok("get_lane_activity", { lane_id: "bounded-lane", max_bytes: budget });
    expect(bytes(trimmed)).toBeLessThanOrEqual(budget);
    expect(trimmed.truncated.omitted_items).toBeGreaterThan(0);
    const remaining = await c.ok("list_runs", { lane_id: "bounded-lane", cursor: trimmed.runs_cursor });
    expect([...trimmed.runs, ...remaining.runs].map((r: any) => r.run_id)).toEqual(
      full.runs.map((r: any) => r.run_id),
    );
  });
});
