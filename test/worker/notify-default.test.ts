// The tenant's default notify (manage_notify) through the real Worker: real A2A agents end runs and
// the loopback receiver records the signed POSTs. A run spawned without notify delivers to the
// default, signed with its secret; a run's own and a lane's win; clear stops it; the secret shows
// nowhere but its own row; refused URLs and bad input name the field; another tenant and a run
// token never reach it.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, drainEvents, spawnA2aRun, TOKENS, type TestClient } from "./support/mcp.ts";
import { egress, hits as egressHits } from "./support/egress.ts";
import { objects } from "./support/objects.ts";
import { hitsOf, hook, privateKeys, settled, unique, verifies } from "./support/notify.ts";
import { completeOnRunner, orchestratingRun } from "./support/orchestrating-run.ts";
import { storageText } from "./support/storage.ts";

const DEFAULT_SECRET = "tenant-default-secret-0123456789";
const defaultTo = (name: string, events = ["completed"], secret = DEFAULT_SECRET) => ({
  action: "set",
  notify: { url: hook(name), events, secret },
});
/** The run ids each hook's deliveries name, in arrival order. */
const runIdsAt = async (name: string) => (await hitsOf(name)).map((h) => JSON.parse(h.body).run_id);
/** The tables of a Durable Object holding `needle` in some row, once per row. */
const tablesHolding = async (stub: DurableObjectStub, needle: string) =>
  (await storageText(stub)).text
    .split("\n")
    .filter((line) => line.includes(needle))
    .map((line) => line.slice(0, line.indexOf(":")));

describe("the tenant's default notify", () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await connect();
  });
  // Each test starts from a tenant without a default.
  afterEach(async () => {
    await c.ok("manage_notify", { action: "clear" });
  });

  it("a run spawned without notify delivers to the default, signed with its secret", async () => {
    const name = unique("default");
    expect(await c.ok("manage_notify", { action: "get" })).toEqual({ action: "get", notify: null });
    const set = await c.ok("manage_notify", defaultTo(name, ["completed", "failed", "completed"]));
    const shown = { url: hook(name), events: ["completed", "failed"], has_secret: true };
    expect(set).toEqual({ action: "set", notify: shown });
    expect(await c.ok("manage_notify", { action: "get" })).toEqual({ action: "get", notify: shown });

    const run = await spawnA2aRun(c, "streaming");
    const view = await settled(c, run.run_id);
    expect(view.notify).toEqual({
      url: hook(name),
      events: ["completed", "failed"],
      deliveries: { pending: 0, delivered: 1, given_up: 0 },
    });
    const hits = await hitsOf(name);
    expect(hits).toHaveLength(1);
    expect(JSON.parse(hits[0]!.body)).toMatchObject({
      event: "completed",
      run_id: run.run_id,
      status: "completed",
    });
    expect(await verifies(hits[0]!, DEFAULT_SECRET)).toBe(true);
    expect(await verifies(hits[0]!, `${DEFAULT_SECRET}x`)).toBe(false);
  });

  it("set again replaces the default: later runs go to the new URL, signed with the new secret", async () => {
    const first = unique("first");
    const second = unique("second");
    const secondSecret = "second-default-secret-0123456789";
    await c.ok("manage_notify", defaultTo(first));
    const early = await spawnA2aRun(c, "streaming");
    const replaced = await c.ok("manage_notify", defaultTo(second, ["completed"], secondSecret));
    expect(replaced.notify).toEqual({ url: hook(second), events: ["completed"], has_secret: true });
    const late = await spawnA2aRun(c, "streaming");
    for (const run of [early, late]) await settled(c, run.run_id);
    expect(await runIdsAt(first)).toEqual([early.run_id]);
    expect(await runIdsAt(second)).toEqual([late.run_id]);
    const [hit] = await hitsOf(second);
    expect(await verifies(hit!, secondSecret)).toBe(true);
    expect(await verifies(hit!, DEFAULT_SECRET)).toBe(false);
  });

  it("a run's own notify wins, then its lane's; a lane without one takes the default", async () => {
    const hooks = { tenant: unique("tenant"), own: unique("own"), lane: unique("lane") };
    const laneSecret = "lane-secret-for-default-0123456789";
    await c.ok("manage_notify", defaultTo(hooks.tenant));
    const notifying = unique("notifying-lane");
    const silent = unique("silent-lane");
    await c.ok("manage_lane", {
      operation: "upsert",
      lane_id: notifying,
      backend: "remote_a2a",
      notify: { url: hook(hooks.lane), events: ["completed"], secret: laneSecret },
    });
    await c.ok("manage_lane", { operation: "upsert", lane_id: silent, backend: "remote_a2a" });

    const own = await spawnA2aRun(c, "streaming", {
      notify: { url: hook(hooks.own), events: ["completed"], secret: "own-secret-0123456789abcdef" },
    });
    const inLane = await spawnA2aRun(c, "streaming", { lane_id: notifying });
    const inSilentLane = await spawnA2aRun(c, "streaming", { lane_id: silent });
    const plain = await spawnA2aRun(c, "streaming");
    for (const run of [own, inLane, inSilentLane, plain]) await settled(c, run.run_id);
    // A continuation in the notifying lane did not take its lane's notify, and is not outside it either.
    const next = await c.ok("continue_run", { run_id: inLane.run_id, prompt: "more" });
    expect(next.mode).toBe("new_run");
    await c.ok("wait_runs", { run_ids: [next.run_id], mode: "all", wait_ms: 20_000 });
    const nextView = await c.ok("get_run", { run_id: next.run_id });
    expect([nextView.lane_id, nextView.status, nextView.notify]).toEqual([notifying, "completed", null]);

    expect(await runIdsAt(hooks.own)).toEqual([own.run_id]);
    expect(await runIdsAt(hooks.lane)).toEqual([inLane.run_id]);
    expect((await runIdsAt(hooks.tenant)).sort()).toEqual([inSilentLane.run_id, plain.run_id].sort());
    expect(await verifies((await hitsOf(hooks.lane))[0]!, laneSecret)).toBe(true);
    for (const hit of await hitsOf(hooks.tenant)) expect(await verifies(hit, DEFAULT_SECRET)).toBe(true);
  });

  it("clear stops deliveries to the default; a run spawned before keeps the notify it took", async () => {
    const name = unique("cleared");
    await c.ok("manage_notify", defaultTo(name, ["completed"]));
    const before = await spawnA2aRun(c, "inputRequired");
    expect(await c.ok("manage_notify", { action: "clear" })).toEqual({ action: "clear", notify: null });
    expect(await c.ok("manage_notify", { action: "get" })).toEqual({ action: "get", notify: null });

    const after = await spawnA2aRun(c, "streaming");
    await c.ok("wait_runs", { run_ids: [after.run_id], mode: "all", wait_ms: 20_000 });
    const afterView = await c.ok("get_run", { run_id: after.run_id });
    expect([afterView.status, afterView.notify]).toEqual(["completed", null]);
    expect(await privateKeys(after.run_id)).not.toContain("notify");

    await c.ok("continue_run", { run_id: before.run_id, prompt: "Ada" });
    const beforeView = await settled(c, before.run_id);
    expect(beforeView.notify.deliveries).toEqual({ pending: 0, delivered: 1, given_up: 0 });
    expect(await runIdsAt(name)).toEqual([before.run_id]);
  });

  it("the secret is in no tool result, and in no stored row but the default's own; none once cleared", async () => {
    const secret = `SWYD-DEFAULT-${crypto.randomUUID()}`;
    const name = unique("sweep");
    const lane_id = unique("sweep-lane");
    await c.ok("manage_lane", { operation: "upsert", lane_id, backend: "remote_a2a" });
    await c.ok("manage_notify", defaultTo(name, ["completed"], secret));
    const runs = [await spawnA2aRun(c, "streaming"), await spawnA2aRun(c, "streaming", { lane_id })];
    for (const run of runs) await settled(c, run.run_id);
    expect((await hitsOf(name)).length).toBe(2);

    let shown = JSON.stringify(await c.ok("manage_notify", { action: "get" }));
    for (const run of runs) {
      shown += JSON.stringify(await c.ok("get_run", { run_id: run.run_id }));
      shown += JSON.stringify(await drainEvents(c, run.run_id));
    }
    shown += JSON.stringify(await c.ok("list_runs", { limit: 200 }));
    shown += JSON.stringify(await c.ok("manage_lane", { operation: "list" }));
    shown += JSON.stringify(await c.ok("get_lane_activity", { lane_id }));
    shown += JSON.stringify(await c.ok("get_metrics", { group_by: "run" }));
    expect(shown).toContain(hook(name));
    expect(shown).not.toContain(secret);

    const tenant = objects.TENANTS.getByName("acme");
    expect(await tablesHolding(tenant, secret)).toEqual(["tenant_notify"]);
    // Each run kept its copy only until its delivery was done.
    for (const run of runs) {
      expect(await tablesHolding(objects.RUNS.getByName(`acme/${run.run_id}`), secret)).toEqual([]);
      expect(await privateKeys(run.run_id)).not.toContain("notify");
    }
    await c.ok("manage_notify", { action: "clear" });
    expect(await tablesHolding(tenant, secret)).toEqual([]);
  });

  it("set refuses a URL the edge may not POST to, naming notify.url, and keeps the default as it was", async () => {
    const name = unique("kept");
    const { notify: kept } = await c.ok("manage_notify", defaultTo(name));
    const trapsBefore = (await egressHits()).trap.length;
    const refused = [
      `http://127.0.0.2:${egress.traps.v4b}/hook`,
      "http://10.1.2.3/hook",
      "http://169.254.169.254/latest",
      "http://[::1]:9/hook",
      "http://example.com/hook",
      "ftp://example.com/hook",
      "not a url",
    ];
    for (const url of refused) {
      const error = await c.err("manage_notify", {
        action: "set",
        notify: { url, events: ["completed"], secret: DEFAULT_SECRET },
      });
      expect([error.code, error.field], url).toEqual(["bad_request", "notify.url"]);
    }
    expect((await c.ok("manage_notify", { action: "get" })).notify).toEqual(kept);
    // A run spawned now still goes to the kept default; the trap was never reached.
    const run = await spawnA2aRun(c, "streaming");
    await settled(c, run.run_id);
    expect(await runIdsAt(name)).toEqual([run.run_id]);
    expect((await egressHits()).trap.length).toBe(trapsBefore);
  });

  it("bad input is refused naming the field, the default left as it was", async () => {
    const name = unique("bad");
    const { notify: kept } = await c.ok("manage_notify", defaultTo(name));
    const valid = { url: hook(name), events: ["completed"], secret: DEFAULT_SECRET };
    const cases: [Record<string, unknown>, string][] = [
      [{}, "action"],
      [{ action: "delete" }, "action"],
      [{ action: "set" }, "notify"],
      [{ action: "get", notify: valid }, "notify"],
      [{ action: "clear", notify: valid }, "notify"],
      [{ action: "set", notify: { ...valid, secret: "short" } }, "notify.secret"],
      [{ action: "set", notify: { ...valid, events: ["finished"] } }, "notify.events.0"],
      [{ action: "set", notify: { ...valid, events: [] } }, "notify.events"],
      [{ action: "set", notify: { ...valid, extra: 1 } }, "notify.extra"],
      [{ action: "set", notify: { events: ["completed"], secret: DEFAULT_SECRET } }, "notify.url"],
      [{ action: "get", lane_id: "x" }, "lane_id"],
    ];
    for (const [args, field] of cases) {
      const error = await c.err("manage_notify", args);
      expect([error.code, error.field], JSON.stringify(args)).toEqual(["bad_request", field]);
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect((await c.ok("manage_notify", { action: "get" })).notify).toEqual(kept);
  });

  it("another tenant's default is never used, nor shown", async () => {
    const name = unique("acme-only");
    await c.ok("manage_notify", defaultTo(name));
    const globex = await connect(TOKENS.globex);
    expect(await globex.ok("manage_notify", { action: "get" })).toEqual({ action: "get", notify: null });
    const run = await spawnA2aRun(globex, "streaming");
    await globex.ok("wait_runs", { run_ids: [run.run_id], mode: "all", wait_ms: 20_000 });
    const view = await globex.ok("get_run", { run_id: run.run_id });
    expect([view.status, view.notify]).toEqual(["completed", null]);
    expect(await privateKeys(run.run_id, "globex")).not.toContain("notify");
    // Clearing globex's (absent) default leaves acme's, which acme's next run still takes.
    await globex.ok("manage_notify", { action: "clear" });
    expect((await c.ok("manage_notify", { action: "get" })).notify?.url).toBe(hook(name));
    const own = await spawnA2aRun(c, "streaming");
    await settled(c, own.run_id);
    expect(await runIdsAt(name)).toEqual([own.run_id]);
    await globex.close();
  });

  it("a run token may not read, set or clear it", async () => {
    const name = unique("scoped");
    const { notify: kept } = await c.ok("manage_notify", defaultTo(name));
    const o = await orchestratingRun(c);
    const attempts = [
      { action: "get" },
      { action: "clear" },
      {
        action: "set",
        notify: { url: hook(unique("taken")), events: ["completed"], secret: DEFAULT_SECRET },
      },
    ];
    for (const args of attempts) {
      const refused = await o.scoped.err("manage_notify", args);
      expect([refused.code, refused.field]).toEqual(["bad_request", "name"]);
    }
    expect((await c.ok("manage_notify", { action: "get" })).notify).toEqual(kept);
    // The orchestrating run itself was spawned without notify: it took the default.
    completeOnRunner(o);
    await settled(c, o.runId);
    expect(await runIdsAt(name)).toEqual([o.runId]);
    o.runner.close();
  });
});
