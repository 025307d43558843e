// The durable outbox of a run's changes to its tenant: one coalesced row saying which version of
// the run the tenant has not acknowledged yet. The tenant always gets the latest state (built by
// `send` when it is sent), so changes made while a delivery is pending or failing travel together.
// Deliveries retry on an alarm with backoff until one is acknowledged; an alarm is armed before
// every first attempt, so a delivery cut by a restart resumes too. Storage, timer and clock are
// injected: no Durable Object lives here.
import { backoffHalfJitter } from "../../shared/backoff.ts";
import { errorMessage } from "../../shared/backends/error-text.ts";

/** The first retry waits about this long (ms); each failure doubles it. */
export const RETRY_BASE_MS = 1_000;
/** No retry waits longer (ms): a change keeps being retried at this pace until it lands. */
export const RETRY_MAX_MS = 60_000;

/**
 * How long to wait after `attempt` failed attempts (ms): doubling from RETRY_BASE_MS up to
 * RETRY_MAX_MS, the upper half jittered by `random` (0 ≤ r < 1) so runs of a tenant that was
 * down do not all come back at once.
 */
export function retryDelayMs(attempt: number, random: () => number): number {
  return backoffHalfJitter(attempt, { baseMs: RETRY_BASE_MS, capMs: RETRY_MAX_MS, random });
}

export interface ChangeOutboxDeps {
  /** Storage opened by openRunStorage (storage/run-storage.ts), which makes the outbox table. */
  sql: SqlStorage;
  /** Delivers the run's current state as `version`; resolves once the tenant has applied it. */
  send(version: number): Promise<void>;
  /** Arranges for `retry()` to be called at or after `atMs` (epoch ms), surviving restarts. */
  wakeAt(atMs: number): Promise<void>;
  now(): number;
  random(): number;
  log(line: string): void;
}

/** What is pending: `version` not acknowledged after `attempts` failed deliveries. */
export type PendingChange = { version: number; attempts: number; retry_at_ms: number | null };

/** The outbox row; the change is delivered (the row clear) once `acked` reaches `version`. */
type OutboxRow = PendingChange & { acked: number };

export class ChangeOutbox {
  readonly #d: ChangeOutboxDeps;
  #sending = false;

  constructor(deps: ChangeOutboxDeps) {
    this.#d = deps;
  }

  /** Records a change (a new version is pending) and delivers it, unless a retry is waiting. */
  post(): void {
    this.#d.sql.exec(
      `INSERT INTO sy_outbox (id, version, acked, attempts) VALUES (1, 1, 0, 0)
       ON CONFLICT (id) DO UPDATE SET version = version + 1`,
    );
    void this.#flush(false);
  }

  /** The retry alarm: tries the pending version now. */
  async retry(): Promise<void> {
    // This alarm is spent; one armed later for a later time still counts.
    this.#d.sql.exec("UPDATE sy_outbox SET retry_at_ms = NULL WHERE retry_at_ms <= ?", this.#d.now());
    await this.#flush(true);
  }

  /** After a restart: delivers what is pending, unless a retry is waiting (its alarm will). */
  resume(): Promise<void> {
    return this.#flush(false);
  }

  pending(): PendingChange | null {
    const row = this.#d.sql
      .exec<OutboxRow>("SELECT version, acked, attempts, retry_at_ms FROM sy_outbox")
      .toArray()[0];
    return row && row.acked < row.version
      ? { version: row.version, attempts: row.attempts, retry_at_ms: row.retry_at_ms }
      : null;
  }

  #armed(p: PendingChange): boolean {
    return p.retry_at_ms !== null && p.retry_at_ms > this.#d.now();
  }

  /** Arms the retry alarm for the wait after `attempts` failures; returns its time (epoch ms). */
  async #arm(attempts: number): Promise<number> {
    const at = this.#d.now() + retryDelayMs(attempts, this.#d.random);
    try {
      await this.#d.wakeAt(at);
      this.#d.sql.exec("UPDATE sy_outbox SET retry_at_ms = ?", at);
    } catch (e) {
      // Not armed: the attempt goes ahead, and the next one arms again.
      this.#d.log(`change retry alarm not armed: ${errorMessage(e)}`);
    }
    return at;
  }

  /** Sends the pending version, then any posted meanwhile; one delivery at a time. */
  async #flush(force: boolean): Promise<void> {
    if (this.#sending) return; // the loop below picks up what is posted meanwhile
    this.#sending = true;
    try {
      for (let p = this.pending(); p; p = this.pending()) {
        if (!force && p.attempts > 0 && this.#armed(p)) return; // backing off: the alarm retries
        force = false;
        if (!this.#armed(p)) await this.#arm(p.attempts);
        try {
          await this.#d.send(p.version);
        } catch (e) {
          this.#d.sql.exec("UPDATE sy_outbox SET attempts = attempts + 1");
          const failed = this.pending()!;
          // The alarm armed before this attempt may have fired while it was in flight.
          const at = this.#armed(failed) ? failed.retry_at_ms! : await this.#arm(failed.attempts);
          this.#d.log(
            `change ${p.version} not delivered (attempt ${failed.attempts}), next try at ${new Date(at).toISOString()}: ${errorMessage(e)}`,
          );
          return;
        }
        this.#d.sql.exec("UPDATE sy_outbox SET acked = MAX(acked, ?), attempts = 0", p.version);
      }
    } finally {
      this.#sending = false;
    }
  }
}
