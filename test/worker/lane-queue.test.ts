// Lane queues through the real Worker: items enqueued with manage_lane run one at a time in order,
// each when the previous run ends, only once depends_on lanes are merged, only on runners serving
// lanes and then only on the runner holding the lane's worktree — with the test as the runner.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DispatchFrame } from "../../shared/protocol/frames.ts";
import { TOKENS, agentUrl, connect, spawnA2aRun, waitForStatus, type TestClient } from "./support/mcp.ts";
import { objects } from "./support/objects.ts";
import { OLD, writeOldTenant } from "./support/previous-release.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";
import { REPO, enqueue, finishTurn, lanesRunner, promptOf, repoLane, uid } from "./support/lanes.ts";

/** Rows of the tenant's table of queued items' secrets (the tests' token is tenant acme's). */
const secretRows = () =>
  runInDurableObject(
    objects.TENANTS.getByName("acme"),
    (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM lane_item_secrets").one().n,
  );

/** Items whose stored request (the part of an item outside its secrets) holds `text` anywhere. */
const itemRequestsHolding = (text: string) =>
  runInDurableObject(
    objects.TENANTS.getByName("acme"),
    (_, state) =>
      state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM lane_items WHERE instr(request, ?) > 0", text)
        .one().n,
  );

/** The run ids of every dispatch the runner received, in order. */
const dispatched = (runner: ScriptedRunner) =>
  runner.received
    .map((text) => JSON.parse(text) as { type: string; run_id?: string })
    .filter((f) => f.type === "run.dispatch")
    .map((f) => f.run_id);

/** Reads list_available_backends until the tenant has seen the lane's holder disconnect. */
async function untilHolderGone(c: TestClient, lane_id: string) {
  for (let i = 0; i < 200; i++) {
    const { lane_holders } = await c.ok("list_available_backends", { probe: false });
    if (lane_holders.some((h: any) => h.lane_id === lane_id && !h.connected)) return;
  }
  throw new Error(`the holder of ${lane_id} never showed as disconnected`);
}

describe("lane queues", () => {
  it("runs items one at a time in order, each dispatched when the previous run ends, in the lane's worktree", async () => {
    const c = await connect();
    const { lane_id, pool } = await repoLane(c, { test_command: "npm test", base: "main" });
    const runner = await lanesRunner(`lq-order-${uid()}`, pool);

    const first = await enqueue(c, lane_id, "one");
    expect(first.item).toMatchObject({ position: 1, state: "dispatched", backend: "codex", prompt: "one" });
    expect(first.lane.status).toBe("active");
    const second = await enqueue(c, lane_id, "two");
    const third = await enqueue(c, lane_id, "three");
    expect([second.item.state, third.item.state]).toEqual(["waiting", "waiting"]);
    expect([second.item.run_id, third.item.run_id]).toEqual([null, null]);

    const d1 = await runner.next("run.dispatch");
    expect(d1.run_id).toBe(first.item.run_id);
    expect(promptOf(d1)).toBe("one");
    expect(d1.cwd).toBeUndefined();
    expect(d1.lane).toEqual({
      lane_id,
      repo: REPO,
      base: "main",
      branch: `switchyard/${lane_id}`,
      commit_policy: "commit",
      test_command: "npm test",
      test_timeout_s: 600,
    });
    const busy = await c.ok("get_lane_activity", { lane_id });
    expect(busy.current_item.item_id).toBe(first.item.item_id);
    expect(busy.current_run_id).toBe(d1.run_id);
    expect(busy.queue.map((i: any) => i.prompt)).toEqual(["two", "three"]);
    expect(busy.waiting_reason).toBe(`waiting for run ${d1.run_id} to end`);
    // Another run is not started beside the lane's current one.
    const beside = await c.err("spawn_run", { lane_id, prompt: "me too" });
    expect([beside.code, beside.field]).toEqual(["conflict", "lane_id"]);
    expect(beside.message).toContain("manage_lane enqueue");
    expect((await c.ok("list_runs", { lane_id })).runs).toHaveLength(1);

    finishTurn(runner, d1.run_id, "did one");
    const d2 = await runner.next("run.dispatch");
    expect(promptOf(d2)).toBe("two");
    expect((await c.ok("get_run", { run_id: d1.run_id })).status).toBe("completed");
    expect(dispatched(runner)).toEqual([d1.run_id, d2.run_id]);

    // A failed run ends the item as well: the lane goes on with the next.
    runner.outputs(d2.run_id, 1, [
      { type: "run_failed", data: { error: { code: "agent_failed", message: "no" } } },
    ]);
    const d3 = await runner.next("run.dispatch");
    expect(promptOf(d3)).toBe("three");
    finishTurn(runner, d3.run_id, "did three");
    await waitForStatus(c, d3.run_id, ["completed"]);

    const done = await c.ok("get_lane_activity", { lane_id });
    expect(done.queue).toEqual([]);
    expect(done.current_item).toBeNull();
    expect(done.current_run_id).toBeNull();
    expect(done.lane_runs.map((r: any) => [r.run_id, r.status])).toEqual([
      [d1.run_id, "completed"],
      [d2.run_id, "failed"],
      [d3.run_id, "completed"],
    ]);
    expect(dispatched(runner)).toEqual([d1.run_id, d2.run_id, d3.run_id]);
    runner.close();
  });

  it("an item waits while a depends_on lane is not merged; merging it dispatches the item", async () => {
    const c = await connect();
    const base = await repoLane(c);
    const { lane_id, pool } = await repoLane(c, { depends_on: [base.lane_id] });
    const runner = await lanesRunner(`lq-deps-${uid()}`, pool);

    const { item } = await enqueue(c, lane_id, "after base");
    expect(item.state).toBe("waiting");
    const blocked = await c.ok("get_lane_activity", { lane_id });
    expect(blocked.waiting_reason).toBe(`waiting for "${base.lane_id}" to be merged`);
    expect(blocked.current_item).toBeNull();

    for (const status of ["active", "review"]) {
      await c.ok("manage_lane", { operation: "upsert", lane_id: base.lane_id, status });
      expect((await c.ok("get_lane_activity", { lane_id })).queue).toHaveLength(1);
    }
    await c.ok("manage_lane", { operation: "upsert", lane_id: base.lane_id, status: "merged" });
    const after = await c.ok("get_lane_activity", { lane_id });
    expect(after.queue).toEqual([]);
    expect(after.current_item).toMatchObject({ item_id: item.item_id, state: "dispatched" });
    const d = await runner.next("run.dispatch");
    expect(d.run_id).toBe(after.current_item.run_id);
    expect(promptOf(d)).toBe("after base");
    runner.close();
  });

  it("lane runs go only to runners serving lanes, then only to the runner holding the worktree", async () => {
    const c = await connect();
    const { lane_id, pool } = await repoLane(c);
    // Same pool, codex installed, but not serving lanes: it never gets a lane run.
    const plain = await ScriptedRunner.connect({ name: `lq-plain-${uid()}`, labels: { pool }, maxRuns: 8 });
    const { item } = await enqueue(c, lane_id, "first");
    const waiting = await c.ok("get_run", { run_id: item.run_id });
    expect(waiting.status).toBe("queued");
    expect(waiting.status_reason).toContain("--lanes");

    const holderName = `lq-holder-${uid()}`;
    const holder = await lanesRunner(holderName, pool, { maxRuns: 4 });
    const d1 = await holder.next("run.dispatch");
    expect(d1.run_id).toBe(item.run_id);
    const other = await lanesRunner(`lq-other-${uid()}`, pool, { maxRuns: 8 });
    finishTurn(holder, d1.run_id, "made the worktree");
    await waitForStatus(c, d1.run_id, ["completed"]);

    const held = await c.ok("get_lane_activity", { lane_id });
    expect(held.lane.holder).toBe(holderName);
    // The worktree exists on the holder now: its repo and branch stay what they were.
    for (const [field, value] of [
      ["repo", "/srv/repos/other"],
      ["branch", "moved"],
    ]) {
      const moved = await c.err("manage_lane", { operation: "upsert", lane_id, [field!]: value });
      expect([moved.code, moved.field]).toEqual(["bad_request", field]);
      expect(moved.message).toContain(`worktree on runner "${holderName}"`);
    }
    const backends = await c.ok("list_available_backends", {});
    expect(backends.lane_holders).toContainEqual({ lane_id, runner: holderName, connected: true });

    // The holder goes away: the next item's run waits for it, though another runner has more room.
    holder.close();
    await untilHolderGone(c, lane_id);
    const next = await enqueue(c, lane_id, "second");
    const parked = await c.ok("get_run", { run_id: next.item.run_id });
    expect(parked.status).toBe("queued");
    expect(parked.status_reason).toContain(`named "${holderName}" (lane "${lane_id}" works there)`);

    const back = await lanesRunner(holderName, pool, { maxRuns: 1 });
    const d2 = await back.next("run.dispatch");
    expect(d2.run_id).toBe(next.item.run_id);
    finishTurn(back, d2.run_id, "second done");
    await waitForStatus(c, d2.run_id, ["completed"]);
    expect(dispatched(other)).toEqual([]);
    expect(dispatched(plain)).toEqual([]);
    for (const r of [plain, other, back]) r.close();
  });

  it("get_run shows a lane run's changes and tests, folded from its lane events; the lane keeps them", async () => {
    const c = await connect();
    const { lane_id, pool } = await repoLane(c, { test_command: "npm test" });
    const runner = await lanesRunner(`lq-changes-${uid()}`, pool);
    const changes = {
      commit: "0123456789abcdef0123456789abcdef01234567",
      files_changed: 2,
      insertions: 7,
      deletions: 1,
      diff_artifact: "lane-diff",
      files: [
        { path: "src/a.ts", change: "modified", insertions: 5, deletions: 1 },
        { path: "src/b.ts", change: "added", insertions: 2, deletions: 0 },
      ],
    };
    const tests = {
      command: "npm test",
      exit_code: 1,
      passed: false,
      timed_out: false,
      duration_ms: 1234,
      output_artifact: "lane-test-output",
    };
    await enqueue(c, lane_id, "change things");
    await enqueue(c, lane_id, "malformed lane events");
    const d1 = await runner.next("run.dispatch");
    finishTurn(runner, d1.run_id, "changed", [
      { type: "lane_changes", data: changes },
      { type: "tests_finished", data: tests },
    ]);
    const run = await waitForStatus(c, d1.run_id, ["completed"]);
    expect(run.changes).toEqual(changes);
    expect(run.tests).toEqual(tests);

    const d2 = await runner.next("run.dispatch");
    finishTurn(runner, d2.run_id, "odd", [
      { type: "lane_changes", data: { commit: 7 } },
      { type: "tests_finished", data: { passed: "yes" } },
    ]);
    const odd = await waitForStatus(c, d2.run_id, ["completed"]);
    expect([odd.changes, odd.tests]).toEqual([null, null]);

    const activity = await c.ok("get_lane_activity", { lane_id });
    expect(activity.lane_runs).toEqual([
      expect.objectContaining({ run_id: d1.run_id, role: "worker", status: "completed", changes, tests }),
      expect.objectContaining({ run_id: d2.run_id, changes: null, tests: null }),
    ]);
    const plain = await spawnA2aRun(c, "streaming");
    const view = await waitForStatus(c, plain.run_id, ["completed"]);
    expect([view.changes, view.tests]).toEqual([null, null]);
    runner.close();
  });

  it("a reviewed item keeps the lane until its review loop ends: remediation goes to the holder, then the next item", async () => {
    const c = await connect();
    const { lane_id, pool } = await repoLane(c);
    const runner = await lanesRunner(`lq-review-${uid()}`, pool);
    const review = {
      backend: "remote_a2a",
      backend_config: { agent_url: agentUrl("reviewer") },
      max_cycles: 2,
    };
    await enqueue(c, lane_id, "reviewed work", { review });
    await enqueue(c, lane_id, "after the review");

    const work = await runner.next("run.dispatch");
    finishTurn(runner, work.run_id, "first try");
    // The reviewer fails cycle 1: the worker's session continues in the same worktree.
    const remediation = await runner.next("run.dispatch");
    expect(remediation.lane).toEqual(work.lane);
    const remediationRun = await c.ok("get_run", { run_id: remediation.run_id });
    expect(remediationRun).toMatchObject({ lane_id, metadata: { remediates: work.run_id } });
    finishTurn(runner, remediation.run_id, "fixed");
    const next = await runner.next("run.dispatch");
    expect(promptOf(next)).toBe("after the review");
    expect(dispatched(runner)).toEqual([work.run_id, remediation.run_id, next.run_id]);
    const reviewers = (await c.ok("list_runs", { lane_id, role: "reviewer" })).runs;
    expect(reviewers.map((r: any) => r.status)).toEqual(["completed", "completed"]);
    runner.close();
  });

  it("the queue and its items' secrets survive an object restart; the run's end after it dispatches the next", async () => {
    const c = await connect();
    const { lane_id, pool } = await repoLane(c);
    const name = `lq-restart-${uid()}`;
    const instance = crypto.randomUUID();
    const runner = await lanesRunner(name, pool, { instance });
    const { item: first } = await enqueue(c, lane_id, "before the restart");
    const d1 = await runner.next("run.dispatch");
    runner.outputs(d1.run_id, 1, [{ type: "run_started", data: {} }]);
    await waitForStatus(c, d1.run_id, ["running"]);

    const secret = `sk-lane-${uid()}${uid()}`;
    const before = await secretRows();
    const { item: second } = await enqueue(c, lane_id, "after the restart", {
      backend: "openai_compatible",
      model: "m",
      backend_config: { base_url: "http://192.168.7.7/v1", api_key: secret },
    });
    expect(second.state).toBe("waiting");
    expect(await secretRows()).toBe(before + 1);
    expect(await itemRequestsHolding("after the restart")).toBe(1); // the query sees what requests hold
    expect(await itemRequestsHolding(secret)).toBe(0);
    expect(JSON.stringify(await c.ok("get_lane_activity", { lane_id }))).not.toContain(secret);

    await abortAllDurableObjects();
    const again = await lanesRunner(name, pool, { instance, activeRuns: [d1.run_id] });
    const kept = await c.ok("get_lane_activity", { lane_id });
    expect(kept.queue.map((i: any) => i.item_id)).toEqual([second.item_id]);
    expect(kept.current_item.item_id).toBe(first.item_id);
    expect(kept.lane.holder).toBe(name);

    // As if the restart had cut the spawn short before the item noted its run's id.
    await runInDurableObject(objects.TENANTS.getByName("acme"), (_, state) => {
      state.storage.sql.exec("UPDATE lane_items SET run_id = NULL WHERE item_id = ?", first.item_id);
    });
    again.outputs(d1.run_id, 2, [
      { type: "agent_message", data: { text: "done" } },
      { type: "run_completed", data: { final_response: "done" } },
    ]);
    const d2 = await again.next("run.dispatch");
    expect(d2).toMatchObject({ backend: "openai_compatible", secrets: { api_key: secret } });
    const after = await c.ok("get_lane_activity", { lane_id });
    expect(after.current_item).toMatchObject({ item_id: second.item_id, run_id: d2.run_id });
    expect(d2.lane?.lane_id).toBe(lane_id);
    expect(await secretRows()).toBe(before);
    const run = await c.ok("get_run", { run_id: d2.run_id });
    expect(JSON.stringify(run)).not.toContain(secret);
    again.close();
  });

  it("closing a lane cancels its waiting items and drops their secrets", async () => {
    const c = await connect();
    const base = await repoLane(c);
    const { lane_id } = await repoLane(c, { depends_on: [base.lane_id] });
    const before = await secretRows();
    for (const n of [1, 2])
      await enqueue(c, lane_id, `item ${n}`, {
        backend: "openai_compatible",
        model: "m",
        backend_config: { base_url: "http://192.168.7.7/v1", api_key: `sk-close-${n}-${uid()}` },
      });
    expect(await secretRows()).toBe(before + 2);
    await c.ok("manage_lane", { operation: "close", lane_id });
    expect(await secretRows()).toBe(before);
    const closed = await c.ok("get_lane_activity", { lane_id });
    expect([closed.queue, closed.current_item]).toEqual([[], null]);
    // Merging the dependency later starts nothing in the closed lane.
    for (const status of ["active", "review", "merged"])
      await c.ok("manage_lane", { operation: "upsert", lane_id: base.lane_id, status });
    expect((await c.ok("list_runs", { lane_id })).runs).toEqual([]);
  });

  it("a lane written by the release before versioned run changes takes queued work: its ended run holds nothing", async () => {
    // That release never marked a run's end handled: the lane's completed run must not keep it busy.
    await runInDurableObject(objects.TENANTS.getByName("globex"), (_, state) =>
      writeOldTenant(state.storage.sql),
    );
    await abortAllDurableObjects();
    const c = await connect(TOKENS.globex);
    const a2a = { agent_url: agentUrl("streaming") };
    const { item } = await c.ok("manage_lane", {
      operation: "enqueue",
      lane_id: OLD.lane_id,
      prompt: "more work",
      backend_config: a2a,
      review: { backend: "remote_a2a", backend_config: { agent_url: agentUrl("reviewer") } },
    });
    expect(item).toMatchObject({ position: 1, state: "dispatched", backend: "remote_a2a" });
    expect((await c.ok("get_run", { run_id: item.run_id })).lane_id).toBe(OLD.lane_id);
  });
});
