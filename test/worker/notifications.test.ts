// Run notifications through the real Worker: real A2A agents end runs, a loopback receiver records
// the signed POSTs (and fails or drops the first N on command); exactly the chosen events arrive,
// signatures verify, retries keep the delivery id and leave the run's record and events alone, a
// restart mid-retry still delivers, and a notify the edge may not send is refused by field.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  agentUrl,
  connect,
  drainEvents,
  spawnA2aRun,
  waitForStatus,
  type TestClient,
} from "./support/mcp.ts";
import { objects } from "./support/objects.ts";
import { egress, hits as egressHits, redirectTo } from "./support/egress.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";
import { failNext, hitsOf, hook, privateKeys, settled, unique, verifies } from "./support/notify.ts";

const SECRET = "notify-secret-0123456789abcdef";

const notify = (name: string, events: string[], secret = SECRET) => ({ url: hook(name), events, secret });

describe("run notifications", () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await connect();
  });

  it("sends exactly the chosen events, signed, with the run's fields", async () => {
    const name = unique("chosen");
    const run = await spawnA2aRun(c, "inputRequired", { notify: notify(name, ["input_required", "failed"]) });
    await waitForStatus(c, run.run_id, ["input_required"]);
    await c.ok("continue_run", { run_id: run.run_id, prompt: "Ada" });
    await waitForStatus(c, run.run_id, ["completed"]);
    const view = await settled(c, run.run_id);
    expect(view.notify).toEqual({
      url: hook(name),
      events: ["input_required", "failed"],
      deliveries: { pending: 0, delivered: 1, given_up: 0 },
    });
    const hits = await hitsOf(name);
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    expect(await verifies(hit!, SECRET)).toBe(true);
    expect(await verifies(hit!, `${SECRET}x`)).toBe(false);
    const body = JSON.parse(hit!.body);
    expect(body).toMatchObject({
      event: "input_required",
      run_id: run.run_id,
      status: "input_required",
      question: "What is your name?",
    });
    expect(body.delivery_id).toBe(hit!.headers["switchyard-delivery"]);
    expect(Object.keys(body).sort()).toEqual(
      ["delivery_id", "event", "occurred_at", "question", "run_id", "status", "summary"].sort(),
    );
    expect(Number.isInteger(Number(hit!.headers["switchyard-timestamp"]))).toBe(true);
  });

  it("a permission request relayed to the caller arrives as input_required with the request to answer", async () => {
    const name = unique("approval");
    const runnerName = unique("notify-runner");
    const runner = await ScriptedRunner.connect({ name: runnerName, backends: ["claude_code"] });
    const request = {
      request_id: "req-1",
      tool: "Bash",
      command: "rm -rf build",
      reason: "Claude wants to run rm",
    };
    const { run_id: runId } = await c.ok("spawn_run", {
      backend: "claude_code",
      prompt: "clean up",
      cwd: "/w",
      approvals: "relay",
      backend_config: { runner: runnerName },
      notify: notify(name, ["input_required"]),
    });
    await runner.next("run.dispatch", (f) => f.run_id === runId);
    runner.outputs(runId, 1, [
      { type: "run_started", data: { session_id: "s-1" } },
      { type: "input_required", data: { message: "approval needed: Bash rm -rf build", approval: request } },
    ]);
    await waitForStatus(c, runId, ["input_required"]);
    await settled(c, runId);
    const hits = await hitsOf(name);
    expect(hits).toHaveLength(1);
    expect(await verifies(hits[0]!, SECRET)).toBe(true);
    expect(JSON.parse(hits[0]!.body)).toMatchObject({
      event: "input_required",
      run_id: runId,
      question: "approval needed: Bash rm -rf build",
      approval: request,
    });
    runner.close();
  });

  it("a failed run sends failed, a completed one completed; one POST per event", async () => {
    const names = { fails: unique("fails"), completes: unique("completes") };
    const events = ["completed", "failed", "cancelled"];
    const failing = await spawnA2aRun(c, "failing", { notify: notify(names.fails, events) });
    const completing = await spawnA2aRun(c, "streaming", { notify: notify(names.completes, events) });
    await settled(c, failing.run_id);
    await settled(c, completing.run_id);
    const fails = (await hitsOf(names.fails)).map((h) => JSON.parse(h.body));
    const completes = (await hitsOf(names.completes)).map((h) => JSON.parse(h.body));
    expect(fails.map((b) => [b.event, b.status])).toEqual([["failed", "failed"]]);
    expect(completes.map((b) => [b.event, b.status])).toEqual([["completed", "completed"]]);
  });

  it("retries failed deliveries with the same id, leaving the run's record and events unchanged", async () => {
    const name = unique("retry");
    await failNext(name, 2);
    const run = await spawnA2aRun(c, "streaming", { notify: notify(name, ["completed"]) });
    await waitForStatus(c, run.run_id, ["completed"]);
    const events = await drainEvents(c, run.run_id);
    const view = await settled(c, run.run_id);
    const hits = await hitsOf(name);
    expect(hits.map((h) => h.answer)).toEqual([500, 500, 200]);
    expect(new Set(hits.map((h) => h.headers["switchyard-delivery"])).size).toBe(1);
    expect(new Set(hits.map((h) => h.body)).size).toBe(1);
    for (const hit of hits) expect(await verifies(hit, SECRET)).toBe(true);
    expect(await drainEvents(c, run.run_id)).toEqual(events);
    expect(view.last_seq).toBe(events.at(-1).seq);
    expect(view.notify.deliveries).toEqual({ pending: 0, delivered: 1, given_up: 0 });
    const { notify: _n, ...rest } = view;
    const { notify: _m, ...again } = await c.ok("get_run", { run_id: run.run_id });
    expect(again).toEqual(rest);
  });

  it("a restart while a delivery waits for its retry still delivers it", async () => {
    const name = unique("restart");
    await failNext(name, 1, "drop");
    const run = await spawnA2aRun(c, "streaming", { notify: notify(name, ["completed"]) });
    await waitForStatus(c, run.run_id, ["completed"]);
    for (let i = 0; i < 100 && (await hitsOf(name)).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await hitsOf(name)).map((h) => h.answer)).toEqual(["drop"]);
    await abortAllDurableObjects();
    const view = await settled(c, run.run_id);
    const hits = await hitsOf(name);
    expect(hits.map((h) => h.answer)).toEqual(["drop", 200]);
    expect(hits[0]!.body).toBe(hits[1]!.body);
    expect(view.notify.deliveries).toEqual({ pending: 0, delivered: 1, given_up: 0 });
  });

  it("a reviewed run sends its verdict after its end, then drops the secret", async () => {
    const name = unique("verdict");
    const run = await spawnA2aRun(c, "streaming", {
      notify: notify(name, ["completed", "review_verdict"]),
      review: { backend: "remote_a2a", backend_config: { agent_url: agentUrl("reviewer") } },
    });
    await waitForStatus(c, run.run_id, ["completed"]);
    let view: any;
    for (let i = 0; i < 100; i++) {
      view = await settled(c, run.run_id);
      if (view.notify.deliveries.delivered === 2) break;
      await c.ok("wait_runs", { run_ids: [run.run_id], wait_ms: 200 });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const bodies = (await hitsOf(name)).map((h) => JSON.parse(h.body));
    expect(bodies.map((b) => b.event)).toEqual(["completed", "review_verdict"]);
    expect(bodies[1]).toMatchObject({ run_id: run.run_id, verdict: "fail", cycle: 1 });
    expect(bodies[1].reviewer_run_id).toBe(view.review.reviewer_run_id);
    expect(await privateKeys(run.run_id)).not.toContain("notify");
  });

  it("a lane's notify is the default of its runs; a run's own wins; the secret is never shown", async () => {
    const laneHook = unique("lane");
    const ownHook = unique("own");
    const lane_id = unique("notify-lane");
    const laneSecret = "lane-secret-0123456789abcdef";
    const { lane } = await c.ok("manage_lane", {
      operation: "upsert",
      lane_id,
      backend: "remote_a2a",
      notify: notify(laneHook, ["completed"], laneSecret),
    });
    expect(lane.notify).toEqual({ url: hook(laneHook), events: ["completed"] });
    const config = { agent_url: agentUrl("streaming") };
    const byLane = await c.ok("spawn_run", { lane_id, prompt: "go", backend_config: config });
    const own = await c.ok("spawn_run", {
      lane_id,
      prompt: "go",
      backend_config: config,
      notify: notify(ownHook, ["completed"]),
    });
    await settled(c, byLane.run_id);
    await settled(c, own.run_id);
    const [laneHit] = await hitsOf(laneHook);
    expect((await hitsOf(laneHook)).map((h) => JSON.parse(h.body).run_id)).toEqual([byLane.run_id]);
    expect(await verifies(laneHit!, laneSecret)).toBe(true);
    expect((await hitsOf(ownHook)).map((h) => JSON.parse(h.body).run_id)).toEqual([own.run_id]);
    const shown = JSON.stringify([
      await c.ok("manage_lane", { operation: "get", lane_id }),
      await c.ok("get_run", { run_id: byLane.run_id }),
    ]);
    expect(shown).not.toContain(laneSecret);
    expect(shown).not.toContain(SECRET);
    // notify removed, the lane keeps no secret and its next run sends nothing.
    await c.ok("manage_lane", { operation: "upsert", lane_id, notify: null });
    const kept = await runInDurableObject(
      objects.TENANTS.getByName("acme"),
      (_o: unknown, state: DurableObjectState) =>
        state.storage.sql
          .exec("SELECT lane_id FROM lane_notify_secrets WHERE lane_id = ?", lane_id)
          .toArray(),
    );
    expect(kept).toEqual([]);
    const after = await c.ok("spawn_run", { lane_id, prompt: "go", backend_config: config });
    expect((await c.ok("get_run", { run_id: after.run_id })).notify).toBeNull();
    const refused = await c.err("manage_lane", {
      operation: "upsert",
      lane_id,
      notify: { ...notify(laneHook, ["completed"]), url: "http://10.0.0.1/" },
    });
    expect([refused.code, refused.field]).toEqual(["bad_request", "notify.url"]);
  });

  it("a delivery redirected to a special-purpose address is refused at that hop, the trap never reached", async () => {
    const trapUrl = `http://127.0.0.2:${egress.traps.v4b}/hook`;
    const url = redirectTo(trapUrl, 307, unique("redirected"));
    const trapsBefore = (await egressHits()).trap.length;
    const run = await spawnA2aRun(c, "streaming", { notify: { url, events: ["completed"], secret: SECRET } });
    await waitForStatus(c, run.run_id, ["completed"]);
    const asked = async () => (await egressHits()).redirector.filter((h) => url.endsWith(h.url)).length;
    for (let i = 0; i < 100 && (await asked()) === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await asked()).toBeGreaterThan(0);
    expect((await egressHits()).trap.length).toBe(trapsBefore);
    const { deliveries } = (await c.ok("get_run", { run_id: run.run_id })).notify;
    expect(deliveries).toEqual({ pending: 1, delivered: 0, given_up: 0 });
  });

  it("refuses a notify the edge may not send, by field, creating no run", async () => {
    const before = (await c.ok("list_runs", { limit: 200 })).runs.length;
    const refusals: [Record<string, unknown>, string][] = [
      [{ url: "http://10.1.2.3/hook" }, "notify.url"],
      [{ url: "http://169.254.169.254/latest" }, "notify.url"],
      [{ url: "ftp://example.com/hook" }, "notify.url"],
      [{ url: "http://example.com/hook" }, "notify.url"],
      [{ url: "not a url" }, "notify.url"],
      [{ secret: "short" }, "notify.secret"],
      [{ events: ["finished"] }, "notify.events.0"],
      [{ events: [] }, "notify.events"],
    ];
    for (const [change, field] of refusals) {
      const error = await c.err("spawn_run", {
        backend: "remote_a2a",
        prompt: "go",
        backend_config: { agent_url: hook("unused") },
        notify: { ...notify("refused", ["completed"]), ...change },
      });
      expect([error.code, error.field]).toEqual(["bad_request", field]);
    }
    expect((await c.ok("list_runs", { limit: 200 })).runs.length).toBe(before);
    expect(await hitsOf("refused")).toEqual([]);
  });
});
