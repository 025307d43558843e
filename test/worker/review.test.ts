// Review dispatch: a reviewer run follows a completed worker; its verdict and findings land on
// the worker and the lane; a fail drives another cycle, bounded by max_cycles.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, type TestClient } from "./support/mcp.ts";

/** Waits (through wait_runs) until the lane's runs are all finished and none is added meanwhile. */
async function settleLane(c: TestClient, laneId: string, expected: number) {
  for (let i = 0; i < 50; i++) {
    const { runs } = await c.ok("list_runs", { lane_id: laneId, limit: 200 });
    const live = runs.filter(
      (r: any) => !["completed", "failed", "cancelled", "rejected"].includes(r.status),
    );
    if (runs.length >= expected && live.length === 0) return runs;
    await c.ok("wait_runs", {
      run_ids: (live.length ? live : runs).map((r: any) => r.run_id),
      mode: "all",
      wait_ms: 2_000,
    });
  }
  throw new Error(`lane ${laneId} did not settle at ${expected} runs`);
}

describe("review dispatch", () => {
  it("a fail verdict drives a remediation cycle; the pass that follows ends the loop", async () => {
    const c = await connect();
    await c.ok("manage_lane", { operation: "upsert", lane_id: "lane-rev" });
    const worker = await c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "implement the loop",
      lane_id: "lane-rev",
      backend_config: { agent_url: agentUrl("streaming") },
      review: { backend: "remote_a2a", backend_config: { agent_url: agentUrl("reviewer") }, max_cycles: 3 },
    });
    // worker → reviewer(fail) → remediation worker → reviewer(pass)
    const runs = await settleLane(c, "lane-rev", 4);
    expect(runs).toHaveLength(4);
    const first = await c.ok("get_run", { run_id: worker.run_id });
    expect(first.review).toMatchObject({ cycle: 1, verdict: "fail", summary: "off-by-one in the loop" });
    expect(first.review.findings[0]).toMatchObject({
      severity: "high",
      file_path: "src/loop.ts",
      line_start: 10,
    });
    const reviewer = await c.ok("get_run", { run_id: first.review.reviewer_run_id });
    expect(reviewer).toMatchObject({ role: "reviewer", parent_run_id: worker.run_id, cwd: null });

    const remediation = runs.find((r: any) => r.role === "worker" && r.run_id !== worker.run_id);
    const second = await c.ok("get_run", { run_id: remediation.run_id });
    expect(second.session_id).toBe(first.session_id);
    expect(second.parent_run_id).toBe(worker.run_id);
    expect(second.review).toMatchObject({ cycle: 2, verdict: "pass" });

    const activity = await c.ok("get_lane_activity", { lane_id: "lane-rev" });
    expect(activity.reviews.map((r: any) => r.verdict)).toEqual(["fail", "pass"]);
    expect(activity.open_findings).toEqual([]);
    // Each cycle is kept on the lane, and the pass of the newest worker makes the lane ready to land.
    expect(activity.cycles).toMatchObject([
      {
        worker_run_id: worker.run_id,
        cycle: 1,
        tests_passed: null,
        verdict: "fail",
        next: "remediation",
        next_run_id: remediation.run_id,
      },
      { worker_run_id: remediation.run_id, cycle: 2, verdict: "pass", next: "ready", next_run_id: null },
    ]);
    expect(activity.lane.status).toBe("review");
  });

  it("stops at max_cycles when every review fails, leaving the findings open", async () => {
    const c = await connect();
    await c.ok("manage_lane", {
      operation: "upsert",
      lane_id: "lane-harsh",
      backend: "remote_a2a",
      backend_config: { agent_url: agentUrl("streaming") },
      review: {
        backend: "remote_a2a",
        backend_config: { agent_url: agentUrl("harshReviewer") },
        max_cycles: 2,
      },
    });
    await c.ok("spawn_run", { lane_id: "lane-harsh", prompt: "implement the loop" });
    // worker → reviewer(fail) → worker → reviewer(fail), then nothing more.
    const runs = await settleLane(c, "lane-harsh", 4);
    await c.ok("wait_runs", { run_ids: runs.map((r: any) => r.run_id), mode: "all", wait_ms: 1_000 });
    expect((await c.ok("list_runs", { lane_id: "lane-harsh" })).runs).toHaveLength(4);
    const activity = await c.ok("get_lane_activity", { lane_id: "lane-harsh" });
    expect(activity.reviews.map((r: any) => [r.cycle, r.verdict])).toEqual([
      [1, "fail"],
      [2, "fail"],
    ]);
    expect(activity.open_findings).toHaveLength(1);
    // Out of cycles with a fail: the lane is not ready to land.
    expect(activity.cycles.map((r: any) => [r.cycle, r.verdict, r.next])).toEqual([
      [1, "fail", "remediation"],
      [2, "fail", "stopped"],
    ]);
    expect(activity.lane.status).toBe("planned");
  });

  it("keeps review secrets out of every record while passing them to the reviewer", async () => {
    const c = await connect();
    const secret = "review-secret-token-42";
    await c.ok("manage_lane", { operation: "upsert", lane_id: "lane-sec" });
    await c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      lane_id: "lane-sec",
      backend_config: { agent_url: agentUrl("streaming") },
      review: {
        backend: "remote_a2a",
        backend_config: { agent_url: agentUrl("reviewer"), auth_token: secret },
        max_cycles: 1,
      },
    });
    const runs = await settleLane(c, "lane-sec", 2);
    const everything = await Promise.all(runs.map((r: any) => c.ok("get_run", { run_id: r.run_id })));
    expect(
      JSON.stringify([runs, everything, await c.ok("get_lane_activity", { lane_id: "lane-sec" })]),
    ).not.toContain(secret);
    const received = (await (await fetch(`${agentUrl("reviewer")}/__received`)).json()) as any;
    expect(received.messages.some((m: any) => m.authorization === `Bearer ${secret}`)).toBe(true);
  });
});
