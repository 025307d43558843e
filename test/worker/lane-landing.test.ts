// Landing and reclaiming lanes through the real Worker, with the test as the runner holding the
// lane's worktree: lane.land / lane.reclaim go out, the tool waits for lane.reply, and the answer
// decides the lane — merged (its dependants' work dispatched), refused with the conflicting files,
// or gone. A runner offline, silent or answering someone else's request changes nothing.
import { describe, expect, it } from "vitest";
import type { WorkerFrame } from "../../shared/protocol/frames.ts";
import { connect, type TestClient } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";
import { REPO, enqueue, finishTurn, lanesRunner, repoLane, uid, untilLane } from "./support/lanes.ts";

type LandFrame = Extract<WorkerFrame, { type: "lane.land" }>;

/** A repo lane whose first item the runner ran to completion: it holds the worktree, the lane is in review. */
async function laneInReview(c: TestClient, extra: Record<string, unknown> = {}) {
  const { lane_id, pool } = await repoLane(c, extra);
  const runner = await lanesRunner(`land-${uid()}`, pool);
  await enqueue(c, lane_id, "make the change");
  const dispatch = await runner.next("run.dispatch");
  finishTurn(runner, dispatch.run_id, "changed it", [
    {
      type: "lane_changes",
      data: {
        commit: "c0ffee1",
        files_changed: 1,
        insertions: 2,
        deletions: 0,
        diff_artifact: "lane-diff",
        files: [{ path: "shared.txt", change: "modified", insertions: 2, deletions: 0 }],
      },
    },
  ]);
  await untilLane(c, lane_id, (a) => a.lane.status === "review");
  return { lane_id, pool, runner, runId: dispatch.run_id };
}

/** Calls manage_lane land, answering the lane.land frame with `answer` once it arrives. */
async function landAnswered(
  c: TestClient,
  runner: ScriptedRunner,
  args: Record<string, unknown>,
  answer: (frame: LandFrame) => unknown,
) {
  const call = c.client.callTool({ name: "manage_lane", arguments: { operation: "land", ...args } });
  const frame = await runner.next("lane.land");
  runner.send({ type: "lane.reply", request_id: frame.request_id, result: answer(frame) });
  const result = await call;
  return { frame, result, body: JSON.parse((result.content as { text: string }[])[0]!.text) };
}

describe("manage_lane land", () => {
  it("a lane whose newest run completed is in review; land merges it on its holder and marks it merged", async () => {
    const c = await connect();
    const { lane_id, runner } = await laneInReview(c, { base: "main" });
    expect((await c.ok("manage_lane", { operation: "get", lane_id })).lane.status).toBe("review");

    const { frame, result, body } = await landAnswered(c, runner, { lane_id }, () => ({
      ok: true,
      commit: "abc1234",
      strategy: "fast_forward",
      worktree_removed: true,
    }));
    expect(frame).toMatchObject({
      lane: { lane_id, repo: REPO, base: "main", branch: `switchyard/${lane_id}` },
      strategy: "fast_forward_or_merge",
      remove_worktree: true,
    });
    expect(result.isError).toBeFalsy();
    expect(body.lane.status).toBe("merged");
    expect(body.landed).toEqual({
      ok: true,
      commit: "abc1234",
      strategy: "fast_forward",
      worktree_removed: true,
    });

    const activity = await c.ok("get_lane_activity", { lane_id });
    expect(activity.landing).toMatchObject({
      kind: "land",
      runner: runner.name,
      result: { ok: true, commit: "abc1234" },
      error: null,
    });
    // Exactly one request went out.
    expect(runner.received.filter((t: string) => JSON.parse(t).type === "lane.land")).toHaveLength(1);
  });

  it("passes the strategy and keep_worktree through", async () => {
    const c = await connect();
    const { lane_id, runner } = await laneInReview(c);
    const { frame, body } = await landAnswered(
      c,
      runner,
      { lane_id, strategy: "merge", keep_worktree: true },
      () => ({ ok: true, commit: "m3rge", strategy: "merge", worktree_removed: false }),
    );
    expect(frame).toMatchObject({ strategy: "merge", remove_worktree: false });
    expect(frame.lane.base).toBeUndefined();
    expect(body.landed.strategy).toBe("merge");
  });

  it("a conflicting merge is refused naming the files; the lane stays in review and the answer is kept", async () => {
    const c = await connect();
    const { lane_id, runner } = await laneInReview(c);
    const { result, body } = await landAnswered(c, runner, { lane_id }, () => ({
      ok: false,
      code: "conflict",
      reason: "automatic merge failed",
      conflicts: ["shared.txt", "src/app.ts"],
    }));
    expect(result.isError).toBe(true);
    expect(body).toMatchObject({ code: "conflict", field: "lane_id" });
    expect(body.message).toContain("shared.txt, src/app.ts");
    const activity = await c.ok("get_lane_activity", { lane_id });
    expect(activity.lane.status).toBe("review");
    expect(activity.landing.result).toEqual({
      ok: false,
      code: "conflict",
      reason: "automatic merge failed",
      conflicts: ["shared.txt", "src/app.ts"],
    });
  });

  it("a runner that is offline is a clear error, and nothing is sent", async () => {
    const c = await connect();
    const { lane_id, runner } = await laneInReview(c);
    runner.close();
    let err;
    for (let i = 0; i < 100; i++) {
      err = await c.err("manage_lane", { operation: "land", lane_id });
      if (err.code === "runner_unavailable") break;
    }
    expect(err).toMatchObject({ code: "runner_unavailable", field: "lane_id" });
    expect(err!.message).toContain(runner.name);
    expect((await c.ok("manage_lane", { operation: "get", lane_id })).lane.status).toBe("review");
  });

  it("a reply from another runner, or with an unknown id, settles nothing; the holder's does", async () => {
    const c = await connect();
    const { lane_id, pool, runner } = await laneInReview(c);
    const rogue = await lanesRunner(`rogue-${uid()}`, pool);
    const call = c.client.callTool({ name: "manage_lane", arguments: { operation: "land", lane_id } });
    const frame = await runner.next("lane.land");
    const forged = { ok: true, commit: "f0rged", strategy: "merge", worktree_removed: true };
    rogue.send({ type: "lane.reply", request_id: frame.request_id, result: forged });
    runner.send({ type: "lane.reply", request_id: "no-such-request", result: forged });
    runner.send({
      type: "lane.reply",
      request_id: frame.request_id,
      result: { ok: true, commit: "real1", strategy: "fast_forward", worktree_removed: true },
    });
    const body = JSON.parse(((await call).content as { text: string }[])[0]!.text);
    expect(body.landed.commit).toBe("real1");
    expect(rogue.closed).toBeUndefined();
  });

  it("a runner that never answers times out with a clear error", async () => {
    const c = await connect();
    const { lane_id, runner } = await laneInReview(c);
    const call = c.err("manage_lane", { operation: "land", lane_id });
    await runner.next("lane.land");
    const err = await call;
    expect(err.code).toBe("timeout");
    expect(err.message).toContain(runner.name);
    const activity = await c.ok("get_lane_activity", { lane_id });
    expect(activity.lane.status).toBe("review");
    expect(activity.landing).toMatchObject({ kind: "land", result: null });
    expect(activity.landing.error).toContain("did not answer");
  });

  it("refuses a lane no run worked in yet, one still active, one without repo, and bad arguments", async () => {
    const c = await connect();
    const { lane_id, pool } = await repoLane(c);
    const fresh = await c.err("manage_lane", { operation: "land", lane_id });
    expect(fresh).toMatchObject({ code: "conflict", field: "lane_id" });
    expect(fresh.message).toContain("is planned");
    // Put in review by hand before any run worked in it: there is nothing on a runner to land.
    const { lane_id: bare } = await repoLane(c);
    await c.ok("manage_lane", { operation: "upsert", lane_id: bare, status: "active" });
    await c.ok("manage_lane", { operation: "upsert", lane_id: bare, status: "review" });
    const noTree = await c.err("manage_lane", { operation: "land", lane_id: bare });
    expect(noTree).toMatchObject({ code: "conflict", field: "lane_id" });
    expect(noTree.message).toContain("no worktree yet");
    const runner = await lanesRunner(`active-${uid()}`, pool);
    await enqueue(c, lane_id, "work");
    const dispatch = await runner.next("run.dispatch");
    const busy = await c.err("manage_lane", { operation: "land", lane_id });
    expect(busy).toMatchObject({ code: "conflict", field: "lane_id" });
    expect(busy.message).toContain(`run ${dispatch.run_id} is still working`);
    // Its run failed: the lane has a worktree but is still active, not ready to land.
    runner.outputs(dispatch.run_id, 1, [
      { type: "run_started", data: {} },
      { type: "run_failed", data: { error: { code: "agent_failed", message: "no" } } },
    ]);
    await untilLane(c, lane_id, (a) => a.current_run_id === null && a.lane_runs.length === 1);
    const active = await c.err("manage_lane", { operation: "land", lane_id });
    expect(active).toMatchObject({ code: "conflict", field: "lane_id" });
    expect(active.message).toContain("is active");
    expect(runner.received.some((t: string) => JSON.parse(t).type === "lane.land")).toBe(false);
    const plain = `plain-${uid()}`;
    await c.ok("manage_lane", { operation: "upsert", lane_id: plain });
    const noRepo = await c.err("manage_lane", { operation: "land", lane_id: plain });
    expect(noRepo).toMatchObject({ code: "bad_request", field: "lane_id" });
    expect(noRepo.message).toContain("no repo");
    expect(await c.err("manage_lane", { operation: "land", lane_id: "no-such-lane" })).toMatchObject({
      code: "not_found",
      field: "lane_id",
    });
    expect(await c.err("manage_lane", { operation: "land", lane_id, strategy: "rebase" })).toMatchObject({
      code: "bad_request",
      field: "strategy",
    });
    const misplaced = await c.err("manage_lane", { operation: "upsert", lane_id, keep_worktree: true });
    expect(misplaced).toMatchObject({ code: "bad_request", field: "keep_worktree" });
    expect(misplaced.message).toContain("only taken by operation land");
    const extra = await c.err("manage_lane", { operation: "reclaim", lane_id, repo: "/elsewhere" });
    expect(extra).toMatchObject({ code: "bad_request", field: "repo" });
    // None of the refusals reached the runner.
    expect(runner.received.some((t: string) => JSON.parse(t).type.startsWith("lane."))).toBe(false);
  });

  it("landing unblocks dependants: their first item is dispatched at once", async () => {
    const c = await connect();
    const { lane_id, pool, runner } = await laneInReview(c);
    const { lane_id: dependant } = await repoLane(c, { depends_on: [lane_id], runner_labels: { pool } });
    const item = await enqueue(c, dependant, "build on it");
    expect(item.item.state).toBe("waiting");
    await landAnswered(c, runner, { lane_id }, () => ({
      ok: true,
      commit: "abc",
      strategy: "fast_forward",
      worktree_removed: true,
    }));
    const next = await runner.next("run.dispatch");
    expect(next.lane?.lane_id).toBe(dependant);
  });
});

describe("manage_lane reclaim", () => {
  it("removes the worktree and branch on the holder and closes the lane", async () => {
    const c = await connect();
    const { lane_id, runner } = await laneInReview(c);
    const call = c.ok("manage_lane", { operation: "reclaim", lane_id });
    const frame = await runner.next("lane.reclaim");
    expect(frame.lane).toMatchObject({ lane_id, repo: REPO, branch: `switchyard/${lane_id}` });
    runner.send({
      type: "lane.reply",
      request_id: frame.request_id,
      result: { worktree_removed: true, branch_deleted: true },
    });
    const body = await call;
    expect(body.reclaimed).toEqual({ worktree_removed: true, branch_deleted: true });
    expect(body.lane.status).toBe("closed");
    expect((await c.ok("get_lane_activity", { lane_id })).landing).toMatchObject({
      kind: "reclaim",
      result: { worktree_removed: true, branch_deleted: true },
    });
  });

  it("refuses while a run is still working in the lane", async () => {
    const c = await connect();
    const { lane_id, pool } = await repoLane(c);
    const runner = await lanesRunner(`busy-${uid()}`, pool);
    await enqueue(c, lane_id, "work");
    const dispatch = await runner.next("run.dispatch");
    const err = await c.err("manage_lane", { operation: "reclaim", lane_id });
    expect(err).toMatchObject({ code: "conflict", field: "lane_id" });
    expect(err.message).toContain(dispatch.run_id);
    expect(runner.received.some((t: string) => JSON.parse(t).type === "lane.reclaim")).toBe(false);
  });
});
