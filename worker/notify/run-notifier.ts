// A run's notifications: which of its moments (a status entered, a review verdict) become
// deliveries, what each body says, how an attempt is sent (signed, through the egress-guarded
// fetch) and how long the secret is kept: until the run has ended, no verdict is still expected and
// no delivery is pending. The secret lives in the run's private storage only.
import type { RunLog } from "../runs/run-log.ts";
import type { RunRecord, RunReview } from "../runs/run-record.ts";
import { isTerminal, type RunStatus } from "../../shared/runs/status.ts";
import { eventOfStatus, type NotifyEvent } from "./notify-config.ts";
import { NotifyOutbox, type Delivery } from "./notify-outbox.ts";
import { deliveryHeaders } from "./notify-signature.ts";

/** What the run keeps apart under the private key `notify`. */
export interface NotifyPrivate {
  secret: string;
  /** A reviewed run that asked for review_verdict: its secret waits for the verdict. */
  verdict_expected: boolean;
}

export interface RunNotifierDeps {
  sql: SqlStorage;
  log: RunLog;
  run(): RunRecord | undefined;
  /** The egress-guarded fetch (egress/guarded-fetch.ts). */
  fetch: typeof fetch;
  wakeAt(atMs: number): Promise<void>;
  now(): number;
  say(line: string): void;
}

export class RunNotifier {
  readonly #d: RunNotifierDeps;
  readonly outbox: NotifyOutbox;

  constructor(deps: RunNotifierDeps) {
    this.#d = deps;
    this.outbox = new NotifyOutbox({
      sql: deps.sql,
      send: (d) => this.#send(d),
      wakeAt: deps.wakeAt,
      settled: () => this.#settled(),
      now: deps.now,
      random: Math.random,
      log: deps.say,
    });
  }

  /** The run entered `status` with the status_changed event `seq`. */
  entered(status: RunStatus, seq: number): void {
    const run = this.#d.run();
    const event = eventOfStatus(status);
    if (!run || !event) return;
    // A permission request (approvals: relay) goes with its question, so a receiver can answer it at once.
    const waiting =
      event === "input_required" || event === "auth_required"
        ? { question: run.summary, ...(run.pending_approval ? { approval: run.pending_approval } : {}) }
        : {};
    this.#add(run, event, `${run.run_id}.${seq}`, waiting);
    if (isTerminal(status)) this.#settled();
  }

  /** A reviewer's verdict landed on the run. */
  reviewed(review: RunReview): void {
    const run = this.#d.run();
    if (!run) return;
    this.#add(run, "review_verdict", `${run.run_id}.review.${review.cycle}`, {
      verdict: review.verdict,
      reviewer_run_id: review.reviewer_run_id,
      review_summary: review.summary,
      cycle: review.cycle,
    });
    this.noVerdictExpected();
  }

  /** No verdict will land on the run any more (its review ended another way, or it ended one). */
  noVerdictExpected(): void {
    const kept = this.#d.log.getPrivate<NotifyPrivate>("notify");
    if (kept?.verdict_expected) this.#d.log.setPrivate("notify", { ...kept, verdict_expected: false });
    this.#settled();
  }

  #add(run: RunRecord, event: NotifyEvent, id: string, extra: Record<string, unknown>): void {
    if (!run.notify?.events.includes(event) || !this.#d.log.getPrivate<NotifyPrivate>("notify")) return;
    const body = JSON.stringify({
      delivery_id: `dlv_${id}`,
      event,
      run_id: run.run_id,
      status: run.status,
      summary: run.summary,
      occurred_at: new Date(this.#d.now()).toISOString(),
      ...extra,
    });
    this.outbox.add(`dlv_${id}`, event, body);
    this.#count(run);
  }

  async #send(d: Delivery): Promise<number> {
    const run = this.#d.run();
    const kept = this.#d.log.getPrivate<NotifyPrivate>("notify");
    if (!run?.notify || !kept) throw new Error("the run keeps no notify secret");
    const headers = await deliveryHeaders(kept.secret, d.delivery_id, d.body, this.#d.now());
    const response = await this.#d.fetch(run.notify.url, { method: "POST", headers, body: d.body });
    // Only the status matters; the body is never read.
    await response.body?.cancel();
    return response.status;
  }

  /** Counts on the record (no event: deliveries are not the run's history), and the secret dropped once done. */
  #settled(): void {
    const run = this.#d.run();
    if (!run) return;
    this.#count(run);
    const kept = this.#d.log.getPrivate<NotifyPrivate>("notify");
    const verdictDue = kept?.verdict_expected && run.status === "completed" && run.review === null;
    if (kept && isTerminal(run.status) && !verdictDue && run.notify?.deliveries.pending === 0)
      this.#d.log.deletePrivate("notify");
  }

  #count(run: RunRecord): void {
    if (!run.notify) return;
    run.notify.deliveries = this.outbox.counts();
    this.#d.log.saveRecord(run);
  }
}
