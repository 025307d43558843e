// The resend queue of the runner link: per run, every output the Worker has not acknowledged yet,
// in source_seq order. Bounded per run: a full run's producer waits for acks (back-pressure, never
// drop). Pure bookkeeping; the socket, batching timers and reconnects live in dialer.ts.
import type { BackendOutput } from "../../worker/backends/backend.ts";

/** What crosses the link (frames.ts `RelayedOutputSchema`): checkpoints stay at the edge. */
export type RelayedOutput = BackendOutput;

/** Default bound of unacknowledged outputs per run. */
export const DEFAULT_CAPACITY_PER_RUN = 10_000;

interface Lane {
  /** Highest source_seq the Worker has stored. Invariant: items[i] has source_seq acked + 1 + i. */
  acked: number;
  /** Highest source_seq sent on the current connection. */
  sent: number;
  /** Each item as its JSON text (`{"source_seq":n,"output":…}`), serialized once, resent as is. */
  items: string[];
  /** Producers waiting for space. */
  waiting: (() => void)[];
}

/** One run's share of a `run.outputs` frame, items already serialized. */
export interface Batch {
  runId: string;
  items: string[];
}

export class ResendQueue {
  readonly #capacity: number;
  readonly #lanes = new Map<string, Lane>();
  #emptyWaiters: (() => void)[] = [];
  /** JSON bytes sent on the current connection and not acknowledged yet, over all runs. */
  #inFlightBytes = 0;

  constructor(capacityPerRun = DEFAULT_CAPACITY_PER_RUN) {
    this.#capacity = capacityPerRun;
  }

  /**
   * Appends one output; resolves once it is queued, which waits while the run already holds
   * `capacityPerRun` unacknowledged items. A run's outputs must be pushed one at a time, in
   * source_seq order without gaps (the runner numbers them).
   */
  async push(runId: string, sourceSeq: number, output: RelayedOutput): Promise<void> {
    let lane = this.#lanes.get(runId);
    while (lane && lane.items.length >= this.#capacity) {
      const full = lane;
      await new Promise<void>((resolve) => full.waiting.push(resolve));
      lane = this.#lanes.get(runId);
    }
    if (!lane) {
      // A lane exists only while something is unacknowledged; a new one starts right before this item.
      lane = { acked: sourceSeq - 1, sent: sourceSeq - 1, items: [], waiting: [] };
      this.#lanes.set(runId, lane);
    }
    const expected = lane.acked + lane.items.length + 1;
    if (sourceSeq !== expected)
      throw new Error(`run ${runId}: pushed source_seq ${sourceSeq}, expected ${expected}`);
    lane.items.push(JSON.stringify({ source_seq: sourceSeq, output }));
  }

  /** The Worker stored everything of the run up to `sourceSeq`: forget it and make room. */
  ack(runId: string, sourceSeq: number): void {
    const lane = this.#lanes.get(runId);
    if (!lane || sourceSeq <= lane.acked) return;
    const count = Math.min(sourceSeq - lane.acked, lane.items.length);
    const sent = Math.min(count, lane.sent - lane.acked);
    for (const item of lane.items.splice(0, count).slice(0, sent)) this.#inFlightBytes -= item.length;
    lane.acked += count;
    lane.sent = Math.max(lane.sent, lane.acked);
    // Waiting producers look again; those that still find the run full wait on.
    for (const wake of lane.waiting.splice(0)) wake();
    if (lane.items.length === 0) {
      this.#lanes.delete(runId);
      if (this.#lanes.size === 0) for (const wake of this.#emptyWaiters.splice(0)) wake();
    }
  }

  /** A new connection knows nothing of what the last one sent: everything unacked goes again. */
  rewind(): void {
    for (const lane of this.#lanes.values()) lane.sent = lane.acked;
    this.#inFlightBytes = 0;
  }

  get inFlightBytes(): number {
    return this.#inFlightBytes;
  }

  /** Unsent items of one run: up to `maxItems`, and `maxBytes` of JSON unless a single item is larger. */
  nextBatch(runId: string, maxItems: number, maxBytes: number): Batch | undefined {
    const lane = this.#lanes.get(runId);
    if (!lane) return undefined;
    const start = lane.sent - lane.acked;
    const items: string[] = [];
    let bytes = 0;
    for (let i = start; i < lane.items.length && items.length < maxItems; i++) {
      const item = lane.items[i]!;
      if (items.length > 0 && bytes + item.length > maxBytes) break;
      items.push(item);
      bytes += item.length + 1;
    }
    if (items.length === 0) return undefined;
    lane.sent += items.length;
    for (const item of items) this.#inFlightBytes += item.length;
    return { runId, items };
  }

  /** How many items of the run wait to be sent on the current connection. */
  unsent(runId: string): number {
    const lane = this.#lanes.get(runId);
    return lane ? lane.acked + lane.items.length - lane.sent : 0;
  }

  /** Runs with unacknowledged outputs. */
  runIds(): string[] {
    return [...this.#lanes.keys()];
  }

  /** Resolves once nothing is left unacknowledged. */
  whenEmpty(): Promise<void> {
    if (this.#lanes.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }
}
