// Group commit for what an edge stream yields. Each SQLite commit costs an fsync, and a stream
// read chunk by chunk would otherwise commit every few events; outputs are held instead and
// written together, within a window. Nobody waits for them: an output that changes the run's
// status, or one a parked poll is waiting for, is written at once (with everything held before
// it), and every read of the run writes what is held first.
//
// Outputs held here are safe to lose in a crash: the backend's checkpoint that would skip them is
// held with them, so recovery asks the remote side for them again.

export class OutputBatch<T> {
  readonly #windowMs: number;
  readonly #write: (batch: T[]) => void;
  readonly #urgent: (item: T) => boolean;
  #pending: T[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `urgent` says whether an output must be written at once rather than within the window. */
  constructor(windowMs: number, write: (batch: T[]) => void, urgent: (item: T) => boolean) {
    this.#windowMs = windowMs;
    this.#write = write;
    this.#urgent = urgent;
  }

  push(item: T): void {
    this.#pending.push(item);
    if (this.#urgent(item)) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#windowMs);
  }

  /** Writes whatever is held now; a no-op when nothing is. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#write(batch);
  }
}
