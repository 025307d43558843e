// One Durable Object alarm for every due time of a run: its timeout, the check of a live edge
// run's stream (every WATCHDOG_MS, sooner when an agent without a stream asks to be polled) and the
// retries of its change delivery and webhook deliveries. What is due is derived from stored state each time the alarm
// fires, so nothing is lost over a restart; the alarm is then armed for the earliest next time.

/** How often a live edge run checks that its stream is still being followed (ms). */
export const WATCHDOG_MS = 30_000;
/** A due time that has passed but is still due (its task failed) is tried again this much later (ms). */
export const AGAIN_MS = 1_000;

/** The due times a run's stored state implies (epoch ms). */
export interface RunTimes {
  /** When the run times out (created_at + timeout_s); null once it has ended. */
  timeoutAtMs: number | null;
  /** Whether the run is a live edge run, whose stream is checked on every alarm. */
  edgeLive: boolean;
  /** When the pending change delivery is retried; null when none is waiting for its alarm. */
  retryAtMs: number | null;
  /** When the earliest pending webhook delivery is due; null or absent when none is pending. */
  notifyAtMs?: number | null;
}

export type AlarmTask = "timeout" | "edge_check" | "change_retry" | "notify_retry";

/** What an alarm firing at `nowMs` runs, in this order. */
export function dueTasks(t: RunTimes, nowMs: number): AlarmTask[] {
  const due: AlarmTask[] = [];
  if (t.timeoutAtMs !== null && t.timeoutAtMs <= nowMs) due.push("timeout");
  // Checking is idempotent and cheap: any alarm of a live edge run checks its stream.
  if (t.edgeLive) due.push("edge_check");
  if (t.retryAtMs !== null && t.retryAtMs <= nowMs) due.push("change_retry");
  if (t.notifyAtMs != null && t.notifyAtMs <= nowMs) due.push("notify_retry");
  return due;
}

/** When the alarm must fire next after `nowMs` (epoch ms), or null when nothing is due any more. */
export function nextAlarmMs(t: RunTimes, nowMs: number): number | null {
  const times = [t.timeoutAtMs, t.retryAtMs, t.notifyAtMs, t.edgeLive ? nowMs + WATCHDOG_MS : null].filter(
    (at): at is number => at !== null && at !== undefined,
  );
  if (times.length === 0) return null;
  const at = Math.min(...times);
  return at > nowMs ? at : nowMs + AGAIN_MS;
}

/** The Durable Object alarm as storage offers it. */
export interface AlarmStore {
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTimeMs: number): Promise<void>;
}

export interface RunAlarmsDeps {
  store: AlarmStore;
  /** The due times as stored now. */
  times(): RunTimes;
  run(task: AlarmTask): Promise<void>;
  now(): number;
  log(line: string): void;
}

export class RunAlarms {
  readonly #d: RunAlarmsDeps;
  /** When the alarm is armed for, as far as this object knows; read from storage once. */
  #armedAtMs: number | null = null;
  #known = false;
  #reading: Promise<void> | undefined;

  constructor(deps: RunAlarmsDeps) {
    this.#d = deps;
  }

  /** Makes the alarm fire at or before `atMs`; an alarm armed earlier stays. */
  async arm(atMs: number): Promise<void> {
    this.#reading ??= this.#d.store.getAlarm().then((at) => {
      if (!this.#known) this.#armedAtMs = at;
      this.#known = true;
    });
    await this.#reading;
    // Decided without an await in between, so concurrent calls keep the earliest time.
    if (this.#armedAtMs !== null && this.#armedAtMs <= atMs) return;
    this.#armedAtMs = atMs;
    await this.#d.store.setAlarm(atMs);
  }

  /** Arms the alarm for the earliest time the stored state implies, if any. */
  async sync(): Promise<void> {
    const at = nextAlarmMs(this.#d.times(), this.#d.now());
    if (at !== null) await this.arm(at);
  }

  /** The alarm handler: runs what is due (one failing task does not stop the others), then re-arms. */
  async fire(): Promise<void> {
    // The alarm that fired is spent.
    this.#armedAtMs = null;
    this.#known = true;
    for (const task of dueTasks(this.#d.times(), this.#d.now())) {
      // A task before it may have settled this one (a timeout ends the run its edge check was for).
      if (!dueTasks(this.#d.times(), this.#d.now()).includes(task)) continue;
      try {
        await this.#d.run(task);
      } catch (e) {
        this.#d.log(`alarm task ${task} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    await this.sync();
  }
}
