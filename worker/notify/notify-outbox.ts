// The durable table of a run's webhook deliveries: one row per event, kept pending until a 2xx
// answers or MAX_ATTEMPTS failed (then given_up). Every attempt first moves the row's next try
// into the future and arms the run's alarm for it, so an attempt cut by a restart is tried again;
// the alarm calls `retry` for what is due. Storage, sender, timer and clock are injected.
import { backoffHalfJitter } from "../../shared/backoff.ts";
import { errorMessage } from "../../shared/backends/error-text.ts";
import type { NotifyEvent } from "./notify-config.ts";

/** Attempts per delivery before it is given up. */
export const MAX_ATTEMPTS = 12;
/** The first retry waits about this long (ms); each failure doubles it up to RETRY_MAX_MS. */
export const RETRY_BASE_MS = 1_000;
export const RETRY_MAX_MS = 10 * 60_000;

export type DeliveryState = "pending" | "delivered" | "given_up";
export type DeliveryCounts = Record<DeliveryState, number>;

export type Delivery = {
  delivery_id: string;
  event: NotifyEvent;
  /** The JSON body, the same on every attempt. */
  body: string;
  attempts: number;
};

export interface NotifyOutboxDeps {
  /** Storage opened by openRunStorage (storage/run-storage.ts), which makes the sy_notify table. */
  sql: SqlStorage;
  /** POSTs one attempt; resolves with the HTTP status, throws when no answer came. */
  send(delivery: Delivery): Promise<number>;
  wakeAt(atMs: number): Promise<void>;
  /** A delivery was delivered or given up. */
  settled(): void;
  now(): number;
  random(): number;
  log(line: string): void;
}

export class NotifyOutbox {
  readonly #d: NotifyOutboxDeps;
  /** Deliveries being attempted by this object lifetime, never attempted twice at once. */
  readonly #inFlight = new Set<string>();

  constructor(deps: NotifyOutboxDeps) {
    this.#d = deps;
  }

  /** Records a delivery of `event` with `body` (which names `deliveryId`) and attempts it. */
  add(deliveryId: string, event: NotifyEvent, body: string): void {
    this.#d.sql.exec(
      `INSERT OR IGNORE INTO sy_notify (delivery_id, event, body, state, attempts, next_at_ms)
       VALUES (?, ?, ?, 'pending', 0, ?)`,
      deliveryId,
      event,
      body,
      this.#d.now(),
    );
    void this.retry();
  }

  /** Attempts every pending delivery that is due (the alarm, and after a restart). */
  async retry(): Promise<void> {
    const due = this.#d.sql
      .exec<Delivery>(
        "SELECT delivery_id, event, body, attempts FROM sy_notify WHERE state = 'pending' AND next_at_ms <= ?",
        this.#d.now(),
      )
      .toArray()
      .filter((d) => !this.#inFlight.has(d.delivery_id));
    await Promise.all(due.map((d) => this.#attempt(d)));
  }

  /** When the earliest pending delivery is due (epoch ms), or null when none is pending. */
  nextAtMs(): number | null {
    const row = this.#d.sql
      .exec<{ at: number | null }>("SELECT MIN(next_at_ms) AS at FROM sy_notify WHERE state = 'pending'")
      .toArray()[0];
    return row?.at ?? null;
  }

  counts(): DeliveryCounts {
    const counts: DeliveryCounts = { pending: 0, delivered: 0, given_up: 0 };
    for (const row of this.#d.sql
      .exec<{ state: DeliveryState; n: number }>("SELECT state, COUNT(*) AS n FROM sy_notify GROUP BY state")
      .toArray())
      counts[row.state] = row.n;
    return counts;
  }

  async #attempt(d: Delivery): Promise<void> {
    this.#inFlight.add(d.delivery_id);
    try {
      // Armed before sending: an attempt cut short by a restart is tried again at this time.
      const again = this.#d.now() + retryDelayMs(d.attempts, this.#d.random);
      this.#d.sql.exec("UPDATE sy_notify SET next_at_ms = ? WHERE delivery_id = ?", again, d.delivery_id);
      await this.#d.wakeAt(again);
      let failure: string;
      try {
        const status = await this.#d.send(d);
        if (status >= 200 && status < 300) return this.#settle(d, "delivered", d.attempts + 1);
        failure = `answered ${status}`;
      } catch (e) {
        failure = errorMessage(e);
      }
      const attempts = d.attempts + 1;
      if (attempts >= MAX_ATTEMPTS) return this.#settle(d, "given_up", attempts);
      this.#d.sql.exec("UPDATE sy_notify SET attempts = ? WHERE delivery_id = ?", attempts, d.delivery_id);
      this.#d.log(`delivery ${d.delivery_id} (${d.event}) attempt ${attempts} failed: ${failure}`);
    } finally {
      this.#inFlight.delete(d.delivery_id);
    }
  }

  #settle(d: Delivery, state: Exclude<DeliveryState, "pending">, attempts: number): void {
    this.#d.sql.exec(
      "UPDATE sy_notify SET state = ?, attempts = ?, next_at_ms = NULL WHERE delivery_id = ?",
      state,
      attempts,
      d.delivery_id,
    );
    if (state === "given_up")
      this.#d.log(`delivery ${d.delivery_id} (${d.event}) given up after ${attempts} attempts`);
    this.#d.settled();
  }
}

/** The wait after `attempt` failed attempts (ms): the upper half of a doubling ceiling, jittered by `random`. */
export function retryDelayMs(attempt: number, random: () => number): number {
  return backoffHalfJitter(attempt, { baseMs: RETRY_BASE_MS, capMs: RETRY_MAX_MS, random });
}
