// The dashboard's live sockets: a run's socket delivers every event exactly once and in order —
// across a reconnect with after_seq too — counted against poll_events, with the run's view on open
// and on change; the tenant's feed names runs as they are created and change. Another tenant's run,
// no session or another origin get nothing.
import { describe, expect, it } from "vitest";
import { connect, drainEvents, spawnA2aRun, TOKENS, waitForStatus } from "./support/mcp.ts";
import { LiveSocket, mustOpen, openLive, signIn, tool } from "./support/dashboard.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const livePath = (runId: string, afterSeq?: number) =>
  `/dashboard/runs/${runId}/live${afterSeq === undefined ? "" : `?after_seq=${afterSeq}`}`;

/** The seqs of `events`, which must be strictly increasing from after+1 with no gap. */
function expectContiguous(events: { seq: number }[], after: number) {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => after + 1 + i));
}

const lastView = (live: LiveSocket) => live.messages.filter((m) => m.type === "run").at(-1)?.run;

/** Waits until the socket has every event up to the run's end, as its own view reports it. */
const untilEnded = (live: LiveSocket) =>
  live.until((ms) => {
    const run = ms.filter((m) => m.type === "run").at(-1)?.run;
    const seqs = ms.filter((m) => m.type === "events").flatMap((m) => m.events.map((e: any) => e.seq));
    return run?.terminal === true && seqs.at(-1) === run.last_seq;
  }, "the run's end");

describe("a run's live socket", () => {
  it("sends the view on open, then every event once, in order, as the run streams to its end", async () => {
    const c = await connect();
    const s = await signIn(TOKENS.acme);
    const run = await spawnA2aRun(c, "streaming");
    const live = await mustOpen(livePath(run.run_id), s);
    await untilEnded(live);
    expect(live.messages[0]).toMatchObject({ type: "run", run: { run_id: run.run_id } });
    const polled = await drainEvents(c, run.run_id);
    expect(live.events()).toEqual(polled);
    expectContiguous(live.events(), 0);
    // Each events message says where to go on from.
    for (const m of live.messages.filter((m) => m.type === "events"))
      expect(m.next_after_seq).toBe(m.events.at(-1).seq);
    // The final view is get_run's.
    expect(lastView(live)).toEqual(await c.ok("get_run", { run_id: run.run_id }));
    live.close();
    await c.close();
  });

  it("across a reconnect with after_seq, every event arrives exactly once", async () => {
    const c = await connect();
    const s = await signIn(TOKENS.acme);
    const run = await spawnA2aRun(c, "slow");
    const first = await mustOpen(livePath(run.run_id), s);
    await first.until(
      (ms) => ms.some((m) => m.type === "events" && m.events.some((e: any) => e.type === "agent_message")),
      "a tick",
    );
    const had = first.events();
    first.close();
    const last = had.at(-1).seq;
    // The run goes on while nobody listens.
    await c.ok("poll_events", { run_id: run.run_id, after_seq: last + 1, wait_ms: 5000 });
    const second = await mustOpen(livePath(run.run_id, last), s);
    await second.until((ms) => ms.some((m) => m.type === "events"), "the missed events");
    await tool(s, "cancel_run", { run_id: run.run_id });
    await untilEnded(second);
    expect(lastView(second).status).toBe("cancelled");
    const all = [...had, ...second.events()];
    expect(all).toEqual(await drainEvents(c, run.run_id));
    expectContiguous(all, 0);
    second.close();
    await c.close();
  });

  it("after_seq at the end of a finished run sends only the view", async () => {
    const c = await connect();
    const s = await signIn(TOKENS.acme);
    const run = await spawnA2aRun(c, "streaming");
    const done = await waitForStatus(c, run.run_id, ["completed"]);
    const live = await mustOpen(livePath(run.run_id, done.last_seq - 2), s);
    await live.until((ms) => ms.some((m) => m.type === "events"), "the last events");
    expect(live.events().map((e) => e.seq)).toEqual([done.last_seq - 1, done.last_seq]);
    expect(live.messages.filter((m) => m.type === "run")).toHaveLength(1);
    live.close();
    await c.close();
  });

  it("another tenant's run id, or an id that never existed, is not_found and the socket closes", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "streaming");
    const globex = await signIn(TOKENS.globex);
    for (const id of [run.run_id, "run_000000000000000000000", "not-a-run"]) {
      const live = await mustOpen(livePath(id), globex);
      await live.until(() => live.closed !== undefined, "the close");
      expect(live.messages).toEqual([
        { type: "error", error: { code: "not_found", message: "run not found" } },
      ]);
      expect(live.closed!.code).toBe(4404);
    }
    await waitForStatus(c, run.run_id, ["completed"]);
    await c.close();
  });

  it("is refused without a session (401), from another origin or none (403), with a bad after_seq (400)", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "streaming");
    const s = await signIn(TOKENS.acme);
    const answers = [
      [await openLive(livePath(run.run_id), undefined), 401],
      [await openLive(livePath(run.run_id), s, "http://127.0.0.1:9999"), 403],
      [await openLive(livePath(run.run_id), s, null), 403],
      [await openLive(livePath(run.run_id), s, "https://evil.example"), 403],
      [await openLive(livePath(run.run_id, -1), s), 400],
      [await openLive(`/dashboard/runs/${run.run_id}/live?after_seq=1.5`, s), 400],
    ] as const;
    for (const [res, status] of answers) {
      expect(res).toBeInstanceOf(Response);
      expect((res as Response).status).toBe(status);
    }
    await waitForStatus(c, run.run_id, ["completed"]);
    await c.close();
  });
});

describe("the tenant's feed", () => {
  it("names a spawned run and a cancelled one, and never another tenant's", async () => {
    const c = await connect();
    const g = await connect(TOKENS.globex);
    const s = await signIn(TOKENS.acme);
    const feed = await mustOpen("/dashboard/live", s);
    const named = (id: string) => (ms: any[]) =>
      ms.some((m) => m.type === "runs_changed" && m.run_ids.includes(id));
    const run = await spawnA2aRun(c, "slow");
    await feed.until(named(run.run_id), "the spawned run");
    const other = await spawnA2aRun(g, "slow");
    const seen = feed.messages.length;
    await c.ok("cancel_run", { run_id: run.run_id });
    await feed.until((ms) => named(run.run_id)(ms.slice(seen)), "the cancelled run");
    expect(feed.messages.every((m) => m.type !== "runs_changed" || !m.run_ids.includes(other.run_id))).toBe(
      true,
    );
    await g.ok("cancel_run", { run_id: other.run_id });
    feed.close();
    await c.close();
    await g.close();
  });

  it("names a lane when it is created and when its status changes, and says when runners change", async () => {
    const c = await connect();
    const s = await signIn(TOKENS.acme);
    const feed = await mustOpen("/dashboard/live", s);
    const laneId = `lane-feed-${crypto.randomUUID().slice(0, 8)}`;
    const lane = (ms: any[]) => ms.some((m) => m.type === "lanes_changed" && m.lane_ids.includes(laneId));
    await c.ok("manage_lane", { operation: "upsert", lane_id: laneId, title: "feed" });
    await feed.until(lane, "the new lane");
    const seen = feed.messages.length;
    await c.ok("manage_lane", { operation: "upsert", lane_id: laneId, status: "active" });
    await feed.until((ms) => lane(ms.slice(seen)), "the lane's new status");
    const before = feed.messages.length;
    const runner = await ScriptedRunner.connect({
      name: `feed-${crypto.randomUUID().slice(0, 8)}`,
      backends: ["codex"],
    });
    await feed.until((ms) => ms.slice(before).some((m) => m.type === "runners_changed"), "the runner");
    expect(feed.messages.find((m) => m.type === "runners_changed")).toEqual({ type: "runners_changed" });
    runner.close();
    feed.close();
    await c.close();
  });

  it("coalesces a burst into few messages", async () => {
    const c = await connect();
    const s = await signIn(TOKENS.acme);
    const feed = await mustOpen("/dashboard/live", s);
    const runs = await Promise.all(Array.from({ length: 8 }, () => spawnA2aRun(c, "slow")));
    const ids = runs.map((r) => r.run_id);
    await feed.until((ms) => {
      const named = new Set(ms.filter((m) => m.type === "runs_changed").flatMap((m) => m.run_ids));
      return ids.every((id) => named.has(id));
    }, "all eight runs");
    expect(feed.messages.filter((m) => m.type === "runs_changed").length).toBeLessThan(8);
    await Promise.all(ids.map((run_id) => c.ok("cancel_run", { run_id })));
    feed.close();
    await c.close();
  });

  it("is refused without a session (401) and from another origin (403)", async () => {
    const s = await signIn(TOKENS.acme);
    expect(((await openLive("/dashboard/live", undefined)) as Response).status).toBe(401);
    expect(((await openLive("/dashboard/live", s, "http://127.0.0.1:9999")) as Response).status).toBe(403);
  });
});
