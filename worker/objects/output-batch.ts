// Group commit for what an edge stream yields. Each SQLite commit costs an fsync, and a stream
// read chunk by chunk would otherwise commit every few events; a busy stream is written at most
// once per window instead. The first output after a quiet spell is written at once, so a lone
// update reaches a parked poll without delay.
//
// Outputs held here are safe to lose in a crash: the backend's checkpoint that would skip them is
// held with them, so recovery asks the remote side for them again.

export class OutputBatch<T> {
  readonly #windowMs: number;
  readonly #write: (batch: T[]) => void;
  #pending: T[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastWrite = 0;

  constructor(windowMs: number, write: (batch: T[]) => void) {
    this.#windowMs = windowMs;
    this.#write = write;
  }

  push(item: T): void {
    this.#pending.push(item);
    if (this.#timer) return;
    const wait = this.#lastWrite + this.#windowMs - Date.now();
    if (wait <= 0) this.flush();
    else this.#timer = setTimeout(() => this.flush(), wait);
  }

  /** Writes whatever is held now; a no-op when nothing is. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#lastWrite = Date.now();
    this.#write(batch);
  }
}
