// Coalesces streamed text deltas into a few partial agent_message events, so a 10,000-token answer
// is not 10,000 log rows: a partial goes out once COALESCE_MS have passed since the previous one or
// COALESCE_CHARS of new text wait, whichever comes first. Pure: the clock is passed in.

/** Least time between two partials (ms). */
export const COALESCE_MS = 250;
/** New text that is sent at once regardless of time (UTF-16 code units, ~2 KB of ASCII). */
export const COALESCE_CHARS = 2048;

/** A partial message: `text` is new since the previous partial; `index` counts partials from 0. */
export interface PartialText {
  text: string;
  index: number;
}

export class MessageCoalescer {
  readonly #now: () => number;
  #text = "";
  #pending = "";
  #lastFlush: number;
  #index = 0;

  /** `now` in ms; the turn's start counts as the previous partial. */
  constructor(now: () => number) {
    this.#now = now;
    this.#lastFlush = now();
  }

  /** The whole answer so far. */
  get text(): string {
    return this.#text;
  }

  /** Adds a delta; returns a partial when one is due. */
  add(delta: string): PartialText | undefined {
    if (!delta) return undefined;
    this.#text += delta;
    this.#pending += delta;
    return this.#pending.length >= COALESCE_CHARS || this.dueInMs() === 0 ? this.flush() : undefined;
  }

  /** How long until waiting text is due (ms); Infinity when nothing waits. */
  dueInMs(): number {
    if (!this.#pending) return Infinity;
    return Math.max(0, this.#lastFlush + COALESCE_MS - this.#now());
  }

  /** The waiting text as a partial, if any. */
  flush(): PartialText | undefined {
    if (!this.#pending) return undefined;
    const partial = { text: this.#pending, index: this.#index++ };
    this.#pending = "";
    this.#lastFlush = this.#now();
    return partial;
  }
}
