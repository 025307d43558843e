// Tenant isolation: another tenant's run id behaves exactly like an id that does not exist.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, drainEvents } from "./support/mcp.ts";

describe("tenant isolation", () => {
  it("tenant B cannot get, poll, cancel, continue, list, wait for or read artifacts of tenant A's runs", async () => {
    const a = await connect("test-token-acme");
    const b = await connect("test-token-globex");
    const run = await a.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      agent_name: "acme-private",
      backend_config: { agent_url: agentUrl("bigOutput") },
    });
    await drainEvents(a, run.run_id);
    const missing = "run_000000000000000000000";

    const calls: [string, Record<string, unknown>][] = [
      ["get_run", { run_id: run.run_id }],
      ["poll_events", { run_id: run.run_id, wait_ms: 0 }],
      ["cancel_run", { run_id: run.run_id }],
      ["continue_run", { run_id: run.run_id, prompt: "hi" }],
      ["get_event_artifact", { run_id: run.run_id, seq: 1, field_path: "/text" }],
      ["wait_runs", { run_ids: [run.run_id], wait_ms: 0 }],
      ["watch_runs", { runs: [{ run_id: run.run_id }], wait_ms: 0 }],
      ["get_run", { agent_name: "acme-private" }],
    ];
    for (const [tool, args] of calls) {
      const theirs = await b.err(tool, args);
      const nothing = await b.err(
        tool,
        JSON.parse(
          JSON.stringify(args).replaceAll(run.run_id, missing).replace("acme-private", "nobody-here"),
        ),
      );
      expect(theirs.code, tool).toBe("not_found");
      expect(theirs.code).toBe(nothing.code);
      expect(theirs.message.replaceAll(run.run_id, "<id>").replace("acme-private", "<n>")).toBe(
        nothing.message.replaceAll(missing, "<id>").replace("nobody-here", "<n>"),
      );
    }
    expect((await b.ok("list_runs", {})).runs.map((r: any) => r.run_id)).not.toContain(run.run_id);
    expect((await b.ok("list_runs", { agent_name: "acme-private" })).runs).toEqual([]);
    expect((await a.ok("get_run", { run_id: run.run_id })).status).toBe("completed");
  });
});

describe("tenant isolation of lanes", () => {
  it("tenant B cannot read, enqueue into, land, reclaim or close tenant A's lane; it answers like no lane", async () => {
    const a = await connect("test-token-acme");
    const b = await connect("test-token-globex");
    const laneId = `acme-lane-${crypto.randomUUID().slice(0, 8)}`;
    await a.ok("manage_lane", { operation: "upsert", lane_id: laneId, repo: "/w/repo", backend: "codex" });
    const queued = await a.ok("manage_lane", {
      operation: "enqueue",
      lane_id: laneId,
      prompt: "private work",
    });
    const before = await a.ok("get_lane_activity", { lane_id: laneId });

    const calls: [string, Record<string, unknown>][] = [
      ["manage_lane", { operation: "get", lane_id: laneId }],
      ["manage_lane", { operation: "enqueue", lane_id: laneId, prompt: "theirs" }],
      ["manage_lane", { operation: "land", lane_id: laneId }],
      ["manage_lane", { operation: "reclaim", lane_id: laneId }],
      ["manage_lane", { operation: "close", lane_id: laneId }],
      ["get_lane_activity", { lane_id: laneId }],
    ];
    for (const [tool, args] of calls) {
      const theirs = await b.err(tool, args);
      const nothing = await b.err(tool, { ...args, lane_id: "no-such-lane" });
      expect([tool, args.operation, theirs.code, theirs.field]).toEqual([
        tool,
        args.operation,
        "not_found",
        "lane_id",
      ]);
      expect(theirs.message.replace(laneId, "<lane>")).toBe(
        nothing.message.replace("no-such-lane", "<lane>"),
      );
    }
    const listed = (await b.ok("manage_lane", { operation: "list" })).lanes.map((l: any) => l.lane_id);
    expect(listed).not.toContain(laneId);
    // A's lane is as it was: the same status, its one item still the lane's (dispatched, its run waiting for a
    // lanes runner), nothing of B's queued.
    const after = await a.ok("get_lane_activity", { lane_id: laneId });
    expect(after.lane).toEqual(before.lane);
    expect(after.queue).toEqual(before.queue);
    expect(after.current_item).toEqual(before.current_item);
    expect([after.current_item?.item_id, ...after.queue.map((i: any) => i.item_id)]).toEqual([
      queued.item.item_id,
    ]);
  });
});
