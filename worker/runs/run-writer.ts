// The one writer of a run: appends its events (redacted, usage normalized) with the status they
// imply, persists the record, wakes the readers parked on it and says when the tenant must be told.
// Plain code over the run's RunLog; the Durable Object around it only parses and calls.
import type { BackendOutput } from "../../shared/backends/backend.ts";
import type { NewEvent } from "../../shared/runs/events.ts";
import { checkOutput } from "./output-schema.ts";
import { RunLog } from "./run-log.ts";
import { admitEvent, applyEvent, setStatus, type RunRecord } from "./run-record.ts";
import { RunRedactor } from "./run-redactor.ts";
import { RUN_TOKEN_SHAPE, orchestrates } from "../../shared/runs/run-token.ts";
import { isTerminal, type RunStatus } from "../../shared/runs/status.ts";
import {
  normalizeUsage,
  type NormalizedUsage,
  type PriceTable,
  type UsageAnomaly,
} from "../../shared/runs/usage.ts";

export interface RunWriterDeps {
  log: RunLog;
  prices(): PriceTable;
  /** Called at a commit that changed status, summary, usage or remote handle: the tenant must be told. */
  changed(): void;
  /** The run entered `status` with its status_changed event `seq` (webhooks: notify/run-notifier.ts). */
  entered(status: RunStatus, seq: number): void;
  /** Called after every commit, once the record is saved (the dashboard's live sockets push from here). */
  committed(): void;
}

export class RunWriter {
  readonly run: RunRecord;
  readonly #log: RunLog;
  readonly #d: RunWriterDeps;
  readonly #redactor: RunRedactor;
  /** Set when the status or summary changed since the tenant was last told. */
  #statusDirty = false;
  /** Set when events were appended since waiters were last woken. */
  #appended = false;
  /** Set when usage changed since the tenant was last told. */
  #usageDirty = false;
  readonly #onAppend = new Set<() => void>();
  readonly #onTerminal = new Set<() => void>();

  /**
   * `secrets` are what is redacted from everything stored (the run's and its review loop's); an
   * orchestrating run's token is redacted by its shape, as its value is never kept.
   */
  constructor(run: RunRecord, secrets: Record<string, unknown>, deps: RunWriterDeps) {
    this.run = run;
    this.#log = deps.log;
    this.#d = deps;
    this.#redactor = new RunRedactor(secrets, orchestrates(run.spec.config) ? [RUN_TOKEN_SHAPE] : []);
  }

  /** Whether a reader is parked for the next append (so a new output should be written at once). */
  get awaited(): boolean {
    return this.#onAppend.size > 0;
  }

  /** Resolves at the next append or after `ms`. */
  nextAppend(ms: number): Promise<void> {
    return wait(this.#onAppend, ms);
  }

  /** Resolves when the run ends or after `ms`. */
  end(ms: number): Promise<void> {
    return wait(this.#onTerminal, ms);
  }

  /** Stores a backend's outputs in order and commits once; only the newest checkpoint is kept. */
  write(outputs: BackendOutput[]): void {
    const lastCheckpoint = outputs.findLastIndex((out) => out.kind === "checkpoint");
    let refChanged = false;
    outputs.forEach((out, i) => {
      if (out.kind === "checkpoint" && i !== lastCheckpoint) return;
      this.#applyOutput(out);
      refChanged ||= out.kind === "ref";
    });
    this.commit(refChanged);
  }

  #applyOutput(out: BackendOutput): void {
    if (out.kind === "event") this.append(out.event);
    else if (out.kind === "ref") {
      // remote_ref.runner says which runner the run was dispatched to: the Worker's word, not a backend's.
      const { runner: _claimed, ...ref } = out.ref;
      this.run.remote_ref = { ...this.run.remote_ref, ...this.#redactor.deep(ref) };
    } else this.#log.setPrivate("checkpoint", this.#redactor.deep(out.state));
  }

  /** A copy of `value` with the run's secrets redacted, as its stored events would hold it. */
  redact<T>(value: T): T {
    return this.#redactor.deep(value);
  }

  /** Appends one event with secrets redacted (see run-redactor.ts for what it may add). */
  append(event: NewEvent): void {
    for (const redacted of this.#redactor.event(event)) this.#appendRedacted(redacted);
  }

  /**
   * Appends one redacted event (usage normalized), then the status change it implies. This is the
   * one place events are stored, so every backend's log has the same order: the causing event
   * (run_completed, run_failed, rejected, …) first, its status_changed right after it. After the
   * run's end only a bounded number of events are stored (admitEvent).
   */
  #appendRedacted(event: NewEvent): void {
    const run = this.run;
    if (!admitEvent(run)) return;
    const { data } = event;
    const clean = { type: event.type, data: event.type === "usage" ? this.#normalizeUsage(data) : data };
    const now = new Date().toISOString();
    run.last_seq += 1;
    this.#log.append(run, run.last_seq, now, clean);
    this.#appended = true;
    const from = run.status;
    const to = applyEvent(run, clean, run.last_seq, now, this.#log.artifactTexts);
    if (to) this.#logTransition(from, to, run.status_reason);
    if (to === "completed" && run.spec.output_schema && run.result.structured_output !== undefined) {
      run.result.structured_output_validation = checkOutput(
        run.spec.output_schema,
        run.result.structured_output,
      );
    }
  }

  /** Usage out of range is stored as an anomaly (no numbers) and never reaches totals or metrics. */
  #normalizeUsage(data: Record<string, unknown>): NormalizedUsage | UsageAnomaly {
    const usage = normalizeUsage(data, this.run.backend, this.#d.prices());
    if ("anomaly" in usage)
      console.warn("usage refused", this.run.run_id, this.run.backend, usage.anomaly.message);
    else this.#usageDirty = true;
    return usage;
  }

  /** Moves the run to `to` for `reason` (redacted), with its status_changed event. */
  transition(to: RunStatus, reason: string | null): void {
    const from = this.run.status;
    const clean = this.#redactor.deep(reason);
    setStatus(this.run, to, new Date().toISOString(), clean);
    this.#logTransition(from, to, clean);
  }

  #logTransition(from: RunStatus, to: RunStatus, reason: string | null): void {
    const run = this.run;
    run.last_seq += 1;
    this.#log.append(run, run.last_seq, run.updated_at, {
      type: "status_changed",
      data: { from, to, reason },
    });
    this.#appended = true;
    this.#statusDirty = true;
    this.#d.entered(to, run.last_seq);
  }

  /** Persists the record, wakes waiters and says whether the tenant must be told what changed. */
  commit(refChanged = false): void {
    const run = this.run;
    this.#log.saveRecord(run);
    if (this.#appended) {
      this.#appended = false;
      wakeAll(this.#onAppend);
    }
    if (isTerminal(run.status)) {
      wakeAll(this.#onTerminal);
      this.#log.deletePrivate("secrets");
      // The run's token dies with it: its hash goes, and the status alone would refuse it anyway.
      this.#log.deletePrivate("run_token_hash");
      // Only a completed run can be reviewed (or remediated), so only its review loop needs these.
      if (run.status !== "completed") this.#log.deletePrivate("carry");
    }
    if (this.#statusDirty || this.#usageDirty || refChanged) {
      this.#statusDirty = false;
      this.#usageDirty = false;
      this.#d.changed();
    }
    this.#d.committed();
  }
}

function wakeAll(waiters: Set<() => void>): void {
  for (const wake of waiters) wake();
  waiters.clear();
}

function wait(waiters: Set<() => void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    waiters.add(done);
  });
}
