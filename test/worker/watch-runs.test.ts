// watch_runs: many runs followed in one call — every event once and in order, parked until the
// first run moves, bounded like the other reads, and refusing what it cannot watch by field.
import { describe, expect, it } from "vitest";
import { MAX_WATCHED_RUNS } from "../../worker/mcp/tools/watch-runs.ts";
import {
  TOKENS,
  agentUrl,
  connect,
  drainEvents,
  spawnA2aRun,
  waitForStatus,
  type TestClient,
} from "./support/mcp.ts";

const ask = { backend: "remote_a2a", prompt: "go", backend_config: { agent_url: agentUrl("inputRequired") } };

/** Follows `runIds` with watch_runs alone until every run has ended; the events seen, per run. */
async function followAll(c: TestClient, runIds: string[], extra: Record<string, unknown> = {}) {
  const seen = new Map(runIds.map((id) => [id, [] as any[]]));
  let cursors = runIds.map((run_id) => ({ run_id, after_seq: 0 }));
  let calls = 0;
  while (cursors.length > 0) {
    expect(++calls, "watch_runs calls").toBeLessThan(500);
    const answer = await c.ok("watch_runs", { runs: cursors, wait_ms: 10_000, ...extra });
    const ended = new Set<string>();
    for (const page of answer.runs) {
      seen.get(page.run_id)!.push(...page.events);
      const cursor = cursors.find((k) => k.run_id === page.run_id)!;
      cursor.after_seq = page.next_after_seq;
      // Ended and read to the end: an answer for a terminal run holds everything up to limit.
      if (page.terminal && page.events.length === 0) ended.add(page.run_id);
    }
    expect(answer.runs.length + answer.quiet_run_ids.length).toBe(cursors.length);
    cursors = cursors.filter((k) => !ended.has(k.run_id));
  }
  return seen;
}

describe("watch_runs", () => {
  it("follows several runs to their ends: each run's events exactly once, in order, as its log holds them", async () => {
    const c = await connect();
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => spawnA2aRun(c, i % 2 ? "streaming" : "chunkedArtifact")),
    );
    const ids = runs.map((r) => r.run_id as string);
    const seen = await followAll(c, ids);
    for (const id of ids) {
      const log = await drainEvents(c, id);
      expect(log.length).toBeGreaterThan(2);
      expect(seen.get(id)!.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
      expect(seen.get(id)).toEqual(log);
    }
  });

  it("parks until the first run moves and answers with that run, the others quiet", async () => {
    const c = await connect();
    const spawned = await Promise.all([1, 2, 3].map(() => c.ok("spawn_run", ask)));
    const [a, b, d] = spawned as [any, any, any];
    const waiting = await Promise.all(spawned.map((r) => waitForStatus(c, r.run_id, ["input_required"])));
    const cursors = waiting.map((r) => ({ run_id: r.run_id, after_seq: r.last_seq }));

    const now = await c.ok("watch_runs", { runs: cursors, wait_ms: 0 });
    expect(now.runs).toEqual([]);
    expect(now.quiet_run_ids).toEqual(cursors.map((k) => k.run_id));

    // Parked for up to 30 s: it can only answer with b's events if b's append woke it.
    const parked = c.ok("watch_runs", { runs: cursors, wait_ms: 30_000 });
    await c.ok("continue_run", { run_id: b.run_id, prompt: "Ada" });
    const answer = await parked;
    expect(answer.runs.map((r: any) => r.run_id)).toEqual([b.run_id]);
    expect(answer.runs[0].events[0]).toMatchObject({ seq: waiting[1].last_seq + 1, type: "message_added" });
    expect(answer.quiet_run_ids).toEqual([a.run_id, d.run_id]);
  });

  it("answers at once for a run that has events or has ended, without waiting for the others", async () => {
    const c = await connect();
    const live = await c.ok("spawn_run", ask);
    const waiting = await waitForStatus(c, live.run_id, ["input_required"]);
    const done = await spawnA2aRun(c, "streaming");
    const ended = await waitForStatus(c, done.run_id, ["completed"]);
    const answer = await c.ok("watch_runs", {
      runs: [
        { run_id: live.run_id, after_seq: waiting.last_seq },
        { run_id: done.run_id, after_seq: ended.last_seq },
      ],
      wait_ms: 30_000,
    });
    expect(answer.runs).toEqual([
      {
        run_id: done.run_id,
        status: "completed",
        terminal: true,
        events: [],
        next_after_seq: ended.last_seq,
      },
    ]);
    expect(answer.quiet_run_ids).toEqual([live.run_id]);
  });

  it("max_bytes cuts the answer's tail; following with a small budget still sees every event once", async () => {
    const c = await connect();
    const runs = await Promise.all([1, 2, 3].map(() => spawnA2aRun(c, "streaming")));
    const ids = runs.map((r) => r.run_id as string);
    await Promise.all(ids.map((id) => waitForStatus(c, id, ["completed"])));
    const first = await c.ok("watch_runs", {
      runs: ids.map((run_id) => ({ run_id, after_seq: 0 })),
      max_bytes: 1500,
    });
    expect(first.truncated.omitted_items).toBeGreaterThan(0);
    expect(JSON.stringify(first).length).toBeLessThanOrEqual(1500 + 200);
    const seen = await followAll(c, ids, { max_bytes: 1500, fields: ["seq", "type"] });
    for (const id of ids) {
      const log = await drainEvents(c, id);
      expect(seen.get(id)).toEqual(log.map((e) => ({ seq: e.seq, type: e.type })));
    }
  });

  it("refuses what it cannot watch, naming the cursor", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "streaming");
    const dup = await c.err("watch_runs", {
      runs: [{ run_id: run.run_id }, { run_id: "run_other" }, { run_id: run.run_id }],
    });
    expect(dup).toMatchObject({ code: "bad_request", field: "runs.2.run_id" });
    const missing = await c.err("watch_runs", { runs: [{ run_id: run.run_id }, { run_id: "run_nope" }] });
    expect(missing).toMatchObject({ code: "not_found", field: "runs.1.run_id" });
    const tooMany = await c.err("watch_runs", {
      runs: Array.from({ length: MAX_WATCHED_RUNS + 1 }, (_, i) => ({ run_id: `run_${i}` })),
    });
    expect(tooMany.field).toBe("runs");
    const badCursor = await c.err("watch_runs", { runs: [{ run_id: run.run_id, after_seq: -1 }] });
    expect(badCursor.field).toBe("runs.0.after_seq");

    // Another tenant's run is not there for this tenant, exactly like a run that does not exist.
    const other = await connect(TOKENS.globex);
    const foreign = await other.err("watch_runs", { runs: [{ run_id: run.run_id }] });
    expect(foreign).toMatchObject({ code: "not_found", field: "runs.0.run_id" });
  });
});
