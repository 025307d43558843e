// The webhook delivery table (notify/notify-outbox.ts) on real Durable Object SQLite, with a clock,
// alarms and a receiver of the test's: a delivery is retried on each alarm until a 2xx, given up
// after MAX_ATTEMPTS, never sent twice at once, and counted by state.
import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS, NotifyOutbox, type Delivery } from "../../worker/notify/notify-outbox.ts";
import { withSql } from "./support/storage.ts";

/** An outbox whose attempts `answer` decides, on a clock and alarm list of the test's. */
class Harness {
  now = 1_800_000_000_000;
  readonly alarms: number[] = [];
  readonly sent: Delivery[] = [];
  settled = 0;
  readonly outbox: NotifyOutbox;

  constructor(sql: SqlStorage, answer: (attempt: number) => Promise<number>) {
    this.outbox = new NotifyOutbox({
      sql,
      send: (d) => {
        this.sent.push(d);
        return answer(this.sent.length);
      },
      wakeAt: async (at) => {
        this.alarms.push(at);
      },
      settled: () => (this.settled += 1),
      now: () => this.now,
      random: () => 0.5,
      log: () => {},
    });
  }

  /** Moves the clock to the earliest pending delivery's time and fires the alarm. */
  async fireAlarm(): Promise<void> {
    this.now = Math.max(this.now, this.outbox.nextAtMs()!);
    await this.outbox.retry();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the webhook delivery table", () => {
  it("retries a failing delivery on its alarm, same id and body, until a 2xx answers", () =>
    withSql(async (sql) => {
      const h = new Harness(sql, async (n) => (n <= 2 ? 503 : 204));
      h.outbox.add("dlv_a", "completed", '{"delivery_id":"dlv_a"}');
      await settle();
      expect(h.outbox.counts()).toEqual({ pending: 1, delivered: 0, given_up: 0 });
      // Before its time nothing is retried.
      await h.outbox.retry();
      expect(h.sent).toHaveLength(1);
      await h.fireAlarm();
      await h.fireAlarm();
      expect(h.sent.map((d) => [d.delivery_id, d.body, d.attempts])).toEqual([
        ["dlv_a", '{"delivery_id":"dlv_a"}', 0],
        ["dlv_a", '{"delivery_id":"dlv_a"}', 1],
        ["dlv_a", '{"delivery_id":"dlv_a"}', 2],
      ]);
      expect(h.outbox.counts()).toEqual({ pending: 0, delivered: 1, given_up: 0 });
      expect(h.outbox.nextAtMs()).toBeNull();
      expect(h.settled).toBe(1);
      // Each attempt armed the alarm for a later retry first, each wait longer than the last.
      expect(h.alarms).toHaveLength(3);
      expect(h.alarms[1]! - h.alarms[0]!).toBeLessThan(h.alarms[2]! - h.alarms[1]!);
    }));

  it(`gives a delivery up after ${MAX_ATTEMPTS} failed attempts, unreachable or refused`, () =>
    withSql(async (sql) => {
      const h = new Harness(sql, async (n) => {
        if (n % 2) throw new Error("connection refused");
        return 500;
      });
      h.outbox.add("dlv_b", "failed", "{}");
      await settle();
      for (let i = 1; i < MAX_ATTEMPTS + 3 && h.outbox.nextAtMs() !== null; i++) await h.fireAlarm();
      expect(h.sent).toHaveLength(MAX_ATTEMPTS);
      expect(h.outbox.counts()).toEqual({ pending: 0, delivered: 0, given_up: 1 });
      expect(h.settled).toBe(1);
    }));

  it("sends a delivery in flight once, and adding the same id again adds nothing", () =>
    withSql(async (sql) => {
      let release!: (status: number) => void;
      const h = new Harness(sql, () => new Promise((resolve) => (release = resolve)));
      h.outbox.add("dlv_c", "cancelled", "{}");
      h.outbox.add("dlv_c", "cancelled", "{}");
      h.now += 60 * 60_000;
      void h.outbox.retry();
      await settle();
      expect(h.sent).toHaveLength(1);
      release(200);
      await settle();
      await settle();
      expect(h.outbox.counts()).toEqual({ pending: 0, delivered: 1, given_up: 0 });
    }));
});
