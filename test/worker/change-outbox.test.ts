// The run → tenant change outbox (objects/change-outbox.ts) and the tenant's apply of a delivered
// change (runs/run-changes.ts), on real Durable Object SQLite with a tenant that refuses or loses
// deliveries. Clock and alarms belong to the test: every retry is an alarm the test fires.
import { describe, expect, it } from "vitest";
import {
  ChangeOutbox,
  RETRY_BASE_MS,
  RETRY_MAX_MS,
  retryDelayMs,
} from "../../worker/objects/change-outbox.ts";
import { applyRunChange } from "../../worker/runs/run-changes.ts";
import { RunIndex, type RunChange } from "../../worker/runs/run-index.ts";
import type { RunStatus } from "../../shared/runs/status.ts";
import { openTenantStorage } from "../../worker/storage/tenant-storage.ts";
import { indexWithRun } from "./support/run-index.ts";
import { withSql, withStorage } from "./support/storage.ts";

/** Lets a delivery started without being awaited (post) run to its end. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** An outbox whose deliveries go to `send`, on a clock and alarm list of the test's. */
class Harness {
  now = 1_800_000_000_000;
  readonly alarms: number[] = [];
  readonly logs: string[] = [];
  readonly outbox: ChangeOutbox;

  constructor(sql: SqlStorage, send: (version: number) => Promise<void>) {
    this.outbox = new ChangeOutbox({
      sql,
      send,
      wakeAt: async (at) => {
        this.alarms.push(at);
      },
      now: () => this.now,
      random: () => 0.5,
      log: (line) => this.logs.push(line),
    });
  }

  /** Moves the clock to the latest alarm and fires it. */
  async fireAlarm(): Promise<void> {
    this.now = Math.max(this.now, this.alarms.at(-1)!);
    await this.outbox.retry();
  }
}

/** A promise the test resolves or rejects by hand: a delivery still in flight. */
function inFlight() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("retryDelayMs", () => {
  it("doubles from the base up to the cap, jittered within the upper half, and never gives up", () => {
    expect(retryDelayMs(0, () => 0)).toBe(RETRY_BASE_MS / 2);
    expect(retryDelayMs(0, () => 0.999_999)).toBe(RETRY_BASE_MS);
    expect(retryDelayMs(3, () => 0.5)).toBe(Math.round(RETRY_BASE_MS * 8 * 0.75));
    for (const attempt of [20, 5_000]) {
      expect(retryDelayMs(attempt, () => 0)).toBe(RETRY_MAX_MS / 2);
      expect(retryDelayMs(attempt, () => 0.999_999)).toBe(RETRY_MAX_MS);
    }
  });
});

describe("ChangeOutbox", () => {
  it("delivers a change at once with an alarm armed first, and the acknowledgement clears it", () =>
    withSql(async (sql) => {
      const sent: number[] = [];
      const h = new Harness(sql, async (v) => void sent.push(v));
      h.outbox.post();
      await settle();
      expect(sent).toEqual([1]);
      expect(h.alarms).toEqual([h.now + retryDelayMs(0, () => 0.5)]);
      expect(h.outbox.pending()).toBeNull();
      // The alarm armed for a delivery that landed finds nothing to do.
      await h.fireAlarm();
      expect(sent).toEqual([1]);
    }));

  it("retries a refused change only on its alarm, waiting longer each time, until it lands", () =>
    withSql(async (sql) => {
      const sent: number[] = [];
      let refuse = 3;
      const h = new Harness(sql, async (v) => {
        sent.push(v);
        if (refuse-- > 0) throw new Error("tenant unavailable");
      });
      h.outbox.post();
      await settle();
      expect(h.outbox.pending()).toMatchObject({ version: 1, attempts: 1 });
      // A change made while backing off waits for the alarm and travels with the pending one.
      h.outbox.post();
      await settle();
      expect(sent).toEqual([1]);
      const waits: number[] = [];
      for (let i = 0; i < 3; i++) {
        const before = h.now;
        await h.fireAlarm();
        waits.push(h.alarms.at(-1)! - before);
      }
      expect(sent).toEqual([1, 2, 2, 2]);
      expect(h.outbox.pending()).toBeNull();
      expect(waits[1]).toBeGreaterThan(waits[0]!);
      expect(h.logs.filter((l) => l.includes("not delivered"))).toHaveLength(3);
      // The next change after a success is sent at once again, its failures counted from zero.
      refuse = 1;
      h.outbox.post();
      await settle();
      expect(sent.at(-1)).toBe(3);
      expect(h.outbox.pending()).toMatchObject({ version: 3, attempts: 1 });
    }));

  it("sends one delivery at a time; changes made meanwhile travel together in the next", () =>
    withSql(async (sql) => {
      const sent: number[] = [];
      const first = inFlight();
      const h = new Harness(sql, (v) => {
        sent.push(v);
        return sent.length === 1 ? first.promise : Promise.resolve();
      });
      h.outbox.post();
      await settle();
      for (let i = 0; i < 3; i++) h.outbox.post();
      await h.outbox.resume();
      expect(sent).toEqual([1]);
      first.resolve();
      await settle();
      expect(sent).toEqual([1, 4]);
      expect(h.outbox.pending()).toBeNull();
    }));

  it("re-arms the alarm that fired while a failing delivery was in flight", () =>
    withSql(async (sql) => {
      const attempt = inFlight();
      const h = new Harness(sql, () => attempt.promise);
      h.outbox.post();
      await settle();
      expect(h.alarms).toHaveLength(1);
      await h.fireAlarm(); // the delivery is still in flight: nothing more is sent
      attempt.reject(new Error("tenant unavailable"));
      await settle();
      expect(h.alarms).toHaveLength(2);
      expect(h.alarms[1]).toBeGreaterThan(h.now);
      expect(h.outbox.pending()).toMatchObject({ version: 1, attempts: 1, retry_at_ms: h.alarms[1] });
    }));

  it("after a restart, a pending change is delivered: cut mid-flight, or refused and then its alarm", () =>
    withSql(async (sql) => {
      // The first object's delivery never ends (the object restarts under it).
      const lost = new Harness(sql, () => new Promise<void>(() => {}));
      lost.outbox.post();
      await settle();
      expect(lost.alarms).toHaveLength(1);
      const sent: number[] = [];
      let refuse = 1;
      const restarted = new Harness(sql, async (v) => {
        sent.push(v);
        if (refuse-- > 0) throw new Error("tenant unavailable");
      });
      restarted.now = lost.alarms[0]!;
      await restarted.outbox.resume();
      expect(sent).toEqual([1]);
      // Refused: the next object waits for the alarm rather than retrying as it starts.
      const again = new Harness(sql, async (v) => void sent.push(v));
      again.now = restarted.now;
      await again.outbox.resume();
      expect(sent).toEqual([1]);
      again.alarms.push(restarted.alarms.at(-1)!);
      await again.fireAlarm();
      expect(sent).toEqual([1, 1]);
      expect(again.outbox.pending()).toBeNull();
    }));
});

/** A tenant's index holding one run, and what its end set off. */
function tenantOf(sql: SqlStorage) {
  const { index, run_id } = indexWithRun(sql, "queued");
  const seen = { budgetChecks: 0, ended: [] as RunChange[], failEnd: 0 };
  const apply = (change: RunChange) =>
    applyRunChange(index, change, {
      enforceTreeBudget: async () => {
        seen.budgetChecks += 1;
      },
      onLaneRunStarted: () => {},
      onEnded: async (c) => {
        seen.ended.push(c);
        if (seen.failEnd-- > 0) throw new Error("review loop unavailable");
      },
    });
  return { index, run_id, seen, apply };
}

function changeOf(run_id: string, version: number, status: RunStatus, tokens: number): RunChange {
  return {
    run_id,
    version,
    status,
    last_seq: version * 2,
    updated_at: new Date(version * 1000).toISOString(),
    summary: `${status} at v${version}`,
    remote_ref: {},
    usage: {
      input_tokens: tokens,
      cached_input_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      total_tokens: tokens,
      unpriced_tokens: tokens,
      turns: 1,
    },
    started_at: null,
    completed_at: null,
    halt_runner: false,
  };
}

describe("applyRunChange", () => {
  it("takes only a newer version: repeated, reordered and stale changes change nothing", () =>
    withSql(async (sql) => {
      const { index, run_id, apply } = tenantOf(sql);
      const tree = () => index.tree(run_id)!;
      await apply(changeOf(run_id, 2, "running", 40));
      await apply(changeOf(run_id, 1, "queued", 10)); // arrived after a newer one
      await apply({ ...changeOf(run_id, 2, "running", 40), summary: "repeat" });
      expect(index.row(run_id)).toMatchObject({ status: "running", summary: "running at v2", last_seq: 4 });
      expect(tree().tokens).toBe(40);
      await apply(changeOf(run_id, 3, "completed", 90));
      await apply(changeOf(run_id, 2, "running", 40));
      expect(index.row(run_id)).toMatchObject({ status: "completed", last_seq: 6 });
      expect(tree().tokens).toBe(90);
      expect(index.liveRuns()).toBe(0);
    }));

  it("sets off a run's end once, however often its delivery repeats", () =>
    withSql(async (sql) => {
      const { index, run_id, seen, apply } = tenantOf(sql);
      const end = changeOf(run_id, 5, "completed", 70);
      for (let i = 0; i < 3; i++) await apply(end);
      await apply(changeOf(run_id, 4, "running", 50));
      expect(seen.ended).toHaveLength(1);
      expect(seen.budgetChecks).toBe(4);
      expect(index.row(run_id)).toMatchObject({ status: "completed", end_handled: 1 });
    }));

  it("does a run's end again on the next delivery when it failed half-way, then never again", () =>
    withSql(async (sql) => {
      const { index, run_id, seen, apply } = tenantOf(sql);
      seen.failEnd = 1;
      const end = changeOf(run_id, 1, "failed", 0);
      await expect(apply(end)).rejects.toThrow("review loop unavailable");
      expect(index.row(run_id)).toMatchObject({ status: "failed", end_handled: 0 });
      await apply(end);
      await apply(end);
      expect(seen.ended).toHaveLength(2);
      expect(index.row(run_id)!.end_handled).toBe(1);
    }));
});

describe("an index made before change versions", () => {
  it("gains the columns in place, its rows applying the first versioned change", () =>
    withStorage(async (storage) => {
      const { sql } = storage;
      // The runs table as the first version made it, with one run in it.
      sql.exec(
        `CREATE TABLE runs (run_id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL, status TEXT NOT NULL, backend TEXT NOT NULL, role TEXT NOT NULL,
          agent_name TEXT NOT NULL, session_id TEXT NOT NULL, parent_run_id TEXT, root_run_id TEXT NOT NULL,
          lane_id TEXT, cwd TEXT, summary TEXT NOT NULL, last_seq INTEGER NOT NULL, terminal INTEGER NOT NULL DEFAULT 0,
          day TEXT NOT NULL, model TEXT, input_tokens INTEGER NOT NULL DEFAULT 0,
          cached_input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
          reasoning_tokens INTEGER NOT NULL DEFAULT 0, total_tokens INTEGER NOT NULL DEFAULT 0,
          cost_usd REAL NOT NULL DEFAULT 0, unpriced_tokens INTEGER NOT NULL DEFAULT 0,
          turns INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER)`,
      );
      sql.exec(
        `INSERT INTO runs (run_id, created_ms, created_at, updated_at, status, backend, role, agent_name, session_id,
          root_run_id, summary, last_seq, day) VALUES ('old', 0, '', '', 'running', 'codex', 'worker', 'a', 's', 'old', '', 3, '')`,
      );
      openTenantStorage(storage);
      openTenantStorage(storage); // a second start finds the columns there
      const index = new RunIndex(sql);
      expect(index.row("old")).toMatchObject({ status: "running", end_handled: 0 });
      await applyRunChange(index, changeOf("old", 1, "completed", 5), {
        enforceTreeBudget: async () => {},
        onEnded: async () => {},
        onLaneRunStarted: () => {},
      });
      expect(index.row("old")).toMatchObject({ status: "completed", end_handled: 1 });
    }));
});

describe("outbox to a tenant that refuses or loses deliveries", () => {
  for (const mode of ["refused", "acknowledgement lost"] as const) {
    it(`converges when the tenant's first 3 deliveries are ${mode}`, () =>
      withSql(async (sql) => {
        const tenant = tenantOf(sql);
        // The run's record: what each delivery reports as its latest state.
        let state = { status: "running" as RunStatus, tokens: 0 };
        let failures = 3;
        const deliveries: RunChange[] = [];
        const h = new Harness(sql, async (version) => {
          const change = changeOf(tenant.run_id, version, state.status, state.tokens);
          deliveries.push(change);
          if (mode === "acknowledgement lost") await tenant.apply(change);
          if (failures-- > 0) throw new Error(`delivery ${mode}`);
          if (mode === "refused") await tenant.apply(change);
        });
        h.outbox.post();
        state = { status: "completed", tokens: 120 };
        h.outbox.post();
        await settle();
        while (h.outbox.pending()) await h.fireAlarm();
        expect(deliveries).toHaveLength(4);
        expect(deliveries.at(-1)).toMatchObject({ version: 2, status: "completed" });
        expect(tenant.index.row(tenant.run_id)).toMatchObject({ status: "completed", end_handled: 1 });
        expect(tenant.index.tree(tenant.run_id)!.tokens).toBe(120);
        expect(tenant.seen.ended).toHaveLength(1);
      }));
  }
});
