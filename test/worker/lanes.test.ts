// Lanes: upsert, defaults inherited by runs, refused transitions, depends_on gating, activity.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, drainEvents } from "./support/mcp.ts";

describe("lanes", () => {
  it("upserts, lists and reads a lane; runs inherit its defaults and explicit arguments win", async () => {
    const c = await connect();
    const { lane } = await c.ok("manage_lane", {
      operation: "upsert",
      lane_id: "lane-api",
      title: "API refactor",
      cwd: "/work/api",
      branch: "refactor/api",
      backend: "remote_a2a",
      backend_config: { agent_url: agentUrl("streaming") },
      test_command: "npm test",
    });
    expect(lane).toMatchObject({ status: "planned", cwd: "/work/api", backend: "remote_a2a" });
    expect(
      (await c.ok("manage_lane", { operation: "upsert", lane_id: "lane-api", status: "active" })).lane.status,
    ).toBe("active");
    expect((await c.ok("manage_lane", { operation: "get", lane_id: "lane-api" })).lane.title).toBe(
      "API refactor",
    );
    expect(
      (await c.ok("manage_lane", { operation: "list", status: "active" })).lanes.map((l: any) => l.lane_id),
    ).toContain("lane-api");

    const inherited = await c.ok("spawn_run", { lane_id: "lane-api", prompt: "go" });
    expect(inherited.backend).toBe("remote_a2a");
    const run = await c.ok("get_run", { run_id: inherited.run_id });
    expect(run.cwd).toBe("/work/api");
    expect(run.lane_id).toBe("lane-api");
    expect(run.metadata.test_command).toBe("npm test");
    const explicit = await c.ok("spawn_run", { lane_id: "lane-api", prompt: "go", cwd: "/work/other" });
    expect((await c.ok("get_run", { run_id: explicit.run_id })).cwd).toBe("/work/other");
  });

  it("refuses transitions that make no sense, and secrets on a lane", async () => {
    const c = await connect();
    await c.ok("manage_lane", { operation: "upsert", lane_id: "lane-t" });
    const skip = await c.err("manage_lane", { operation: "upsert", lane_id: "lane-t", status: "merged" });
    expect(skip.field).toBe("status");
    expect(skip.message).toContain("planned lane cannot become merged");
    await c.ok("manage_lane", { operation: "close", lane_id: "lane-t" });
    const reopen = await c.err("manage_lane", { operation: "upsert", lane_id: "lane-t", status: "active" });
    expect(reopen.message).toContain("final");
    const secret = await c.err("manage_lane", {
      operation: "upsert",
      lane_id: "lane-s",
      backend: "remote_a2a",
      backend_config: { agent_url: agentUrl("streaming"), auth_token: "tok-123456" },
    });
    expect(secret.field).toBe("backend_config.auth_token");
    const closedSpawn = await c.err("spawn_run", {
      lane_id: "lane-t",
      backend: "remote_a2a",
      prompt: "go",
      backend_config: { agent_url: agentUrl("streaming") },
    });
    expect(closedSpawn.field).toBe("lane_id");
    expect(closedSpawn.message).toContain("closed");
  });

  it("gates spawning on depends_on until those lanes are merged", async () => {
    const c = await connect();
    const a2a = { backend: "remote_a2a", backend_config: { agent_url: agentUrl("streaming") } };
    await c.ok("manage_lane", { operation: "upsert", lane_id: "lane-base", ...a2a });
    expect(
      (await c.err("manage_lane", { operation: "upsert", lane_id: "lane-x", depends_on: ["nope"] })).field,
    ).toBe("depends_on");
    await c.ok("manage_lane", {
      operation: "upsert",
      lane_id: "lane-top",
      depends_on: ["lane-base"],
      ...a2a,
    });
    const gated = await c.err("spawn_run", { lane_id: "lane-top", prompt: "go" });
    expect(gated.message).toContain('"lane-base"');
    for (const status of ["active", "review", "merged"])
      await c.ok("manage_lane", { operation: "upsert", lane_id: "lane-base", status });
    expect((await c.ok("spawn_run", { lane_id: "lane-top", prompt: "go" })).lane_id).toBe("lane-top");
  });

  it("activity shows runs, the latest worker result and the lane's metrics", async () => {
    const c = await connect();
    await c.ok("manage_lane", {
      operation: "upsert",
      lane_id: "lane-act",
      backend: "remote_a2a",
      backend_config: { agent_url: agentUrl("streaming") },
    });
    const runs = [
      await c.ok("spawn_run", { lane_id: "lane-act", prompt: "one" }),
      await c.ok("spawn_run", { lane_id: "lane-act", prompt: "two" }),
    ];
    for (const r of runs) await drainEvents(c, r.run_id);
    const activity = await c.ok("get_lane_activity", { lane_id: "lane-act" });
    expect(activity.runs.map((r: any) => r.run_id).sort()).toEqual(runs.map((r) => r.run_id).sort());
    expect(activity.latest_worker_result.final_response).toBe("final answer");
    expect(activity.metrics).toMatchObject({ runs: 2, input_tokens: 22, output_tokens: 14 });
    expect(activity.metrics.outcomes.completed).toBe(2);
    expect(activity.reviews).toEqual([]);
  });
});
