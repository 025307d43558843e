// The resend queue of the runner link: per run, every output the Worker has not acknowledged yet,
// in source_seq order. Bounded per run: a full run's producer waits for acks (back-pressure, never
// drop). Pure bookkeeping; the socket, batching timers and reconnects live in dialer.ts.
import type { BackendOutput } from "../../shared/backends/backend.ts";

/** What crosses the link (frames.ts `RelayedOutputSchema`): checkpoints stay at the edge. */
export type RelayedOutput = BackendOutput;

/** Default bound of unacknowledged outputs per run. */
export const DEFAULT_CAPACITY_PER_RUN = 10_000;

/** One run's share of the queue; it exists only while the run has unacknowledged outputs. */
interface RunQueue {
  /** Highest source_seq the Worker has stored. Invariant: items[i] has source_seq acked + 1 + i. */
  acked: number;
  /** Highest source_seq sent on the current connection. */
  sent: number;
  /** Each item as its JSON text (`{"source_seq":n,"output":…}`), serialized once, resent as is. */
  items: string[];
  /** Producers waiting for space. */
  waiting: (() => void)[];
}

/** One run's share of a `runs.outputs` frame, items already serialized. */
export interface Batch {
  runId: string;
  items: string[];
  /** JSON bytes of the items with their separators. */
  bytes: number;
}

export class ResendQueue {
  readonly #capacity: number;
  readonly #runs = new Map<string, RunQueue>();
  #emptyWaiters: (() => void)[] = [];
  /** JSON bytes sent on the current connection and not acknowledged yet, over all runs. */
  #inFlightBytes = 0;
  /** Items not sent on the current connection yet, over all runs, and their JSON bytes. */
  #unsent = 0;
  #unsentBytes = 0;

  constructor(capacityPerRun = DEFAULT_CAPACITY_PER_RUN) {
    this.#capacity = capacityPerRun;
  }

  /**
   * Appends one output; resolves once it is queued, which waits while the run already holds
   * `capacityPerRun` unacknowledged items. A run's outputs must be pushed one at a time, in
   * source_seq order without gaps (the runner numbers them).
   */
  async push(runId: string, sourceSeq: number, output: RelayedOutput): Promise<void> {
    let queue = this.#runs.get(runId);
    while (queue && queue.items.length >= this.#capacity) {
      const full = queue;
      await new Promise<void>((resolve) => full.waiting.push(resolve));
      queue = this.#runs.get(runId);
    }
    if (!queue) {
      // A new run queue starts right before this item.
      queue = { acked: sourceSeq - 1, sent: sourceSeq - 1, items: [], waiting: [] };
      this.#runs.set(runId, queue);
    }
    const expected = queue.acked + queue.items.length + 1;
    if (sourceSeq !== expected)
      throw new Error(`run ${runId}: pushed source_seq ${sourceSeq}, expected ${expected}`);
    const item = JSON.stringify({ source_seq: sourceSeq, output });
    queue.items.push(item);
    this.#unsent += 1;
    this.#unsentBytes += item.length;
  }

  /** The Worker stored everything of the run up to `sourceSeq`: forget it and make room. */
  ack(runId: string, sourceSeq: number): void {
    const queue = this.#runs.get(runId);
    if (!queue || sourceSeq <= queue.acked) return;
    const count = Math.min(sourceSeq - queue.acked, queue.items.length);
    const sent = Math.min(count, queue.sent - queue.acked);
    const gone = queue.items.splice(0, count);
    for (const item of gone.slice(0, sent)) this.#inFlightBytes -= item.length;
    for (const item of gone.slice(sent)) this.#unsentBytes -= item.length;
    this.#unsent -= count - sent;
    queue.acked += count;
    queue.sent = Math.max(queue.sent, queue.acked);
    // Waiting producers look again; those that still find the run full wait on.
    for (const wake of queue.waiting.splice(0)) wake();
    if (queue.items.length === 0) {
      this.#runs.delete(runId);
      if (this.#runs.size === 0) for (const wake of this.#emptyWaiters.splice(0)) wake();
    }
  }

  /** A new connection knows nothing of what the last one sent: everything unacked goes again. */
  rewind(): void {
    this.#unsent = 0;
    this.#unsentBytes = 0;
    for (const queue of this.#runs.values()) {
      queue.sent = queue.acked;
      this.#unsent += queue.items.length;
      for (const item of queue.items) this.#unsentBytes += item.length;
    }
    this.#inFlightBytes = 0;
  }

  get inFlightBytes(): number {
    return this.#inFlightBytes;
  }

  /**
   * Unsent items of one run: up to `maxItems` and `maxBytes` of JSON — or a single larger item when
   * `oversized` (a frame that holds nothing yet takes it whole).
   */
  nextBatch(runId: string, maxItems: number, maxBytes: number, oversized: boolean): Batch | undefined {
    const queue = this.#runs.get(runId);
    if (!queue) return undefined;
    const start = queue.sent - queue.acked;
    const items: string[] = [];
    let bytes = 0;
    for (let i = start; i < queue.items.length && items.length < maxItems; i++) {
      const item = queue.items[i]!;
      if ((items.length > 0 || !oversized) && bytes + item.length > maxBytes) break;
      items.push(item);
      bytes += item.length + 1;
    }
    if (items.length === 0) return undefined;
    queue.sent += items.length;
    this.#unsent -= items.length;
    for (const item of items) {
      this.#inFlightBytes += item.length;
      this.#unsentBytes -= item.length;
    }
    return { runId, items, bytes };
  }

  /** How many items, over all runs, wait to be sent on the current connection. */
  get unsent(): number {
    return this.#unsent;
  }

  /** The JSON bytes of those items. */
  get unsentBytes(): number {
    return this.#unsentBytes;
  }

  /** Runs with unacknowledged outputs. */
  runIds(): string[] {
    return [...this.#runs.keys()];
  }

  /** Resolves once nothing is left unacknowledged. */
  whenEmpty(): Promise<void> {
    if (this.#runs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }
}
