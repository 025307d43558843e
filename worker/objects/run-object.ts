// RunObject: one per run. The only writer of the run's event log, so seq is contiguous by
// construction. Holds the status machine, long-poll waiters and, for edge backends, the stream
// that drives the run. Validation and shaping of tool answers happen before calls reach it.
import { Agent } from "agents";
import { SwitchyardError, outcome, type Outcome } from "../errors.ts";
import type { Env } from "../env.ts";
import type { BackendOutput, BackendRun, EdgeBackend, StreamEnd } from "../backends/backend.ts";
import { edgeBackendFor } from "../backends/edge.ts";
import type { DispatchFrame, RunnerFrame } from "../protocol/frames.ts";
import { readPage, type ArtifactPage, type ArtifactRef } from "../runs/artifacts.ts";
import type { NewEvent, RunEvent } from "../runs/events.ts";
import type { InputMessage } from "../runs/messages.ts";
import { checkOutput } from "../runs/output-schema.ts";
import { RunRedactor } from "../runs/run-redactor.ts";
import {
  normalizeUsage,
  parsePriceTable,
  type NormalizedUsage,
  type PriceTable,
  type UsageAnomaly,
} from "../runs/usage.ts";
import { RunLog } from "../runs/run-log.ts";
import { admitEvent, applyEvent, setStatus, type RunRecord, type RunReview } from "../runs/run-record.ts";
import { isAwaitingInput, isTerminal, statusAfter, type RunStatus } from "../runs/status.ts";
import { ChangeOutbox } from "./change-outbox.ts";
import { OutputBatch } from "./output-batch.ts";
import { tenantStub } from "./stubs.ts";

export interface PollResult {
  status: RunStatus;
  terminal: boolean;
  events: RunEvent[];
  next_after_seq: number;
}

/** How often a live edge run checks that its stream is still being followed (s). */
const WATCHDOG_S = 30;
/** The longest an edge stream's outputs wait to be written together (ms); see output-batch.ts. */
const GROUP_COMMIT_MS = 100;
/** The scheduled callback that retries the delivery of the run's changes to its tenant. */
const RETRY_CHANGES = "retryChanges";
/** Private key set when Switchyard ends a runner's run: the tenant tells the runner to stop it. */
const HALT_RUNNER = "halt_runner";

export class RunObject extends Agent<Env> {
  #log: RunLog | undefined;
  #record: RunRecord | null | undefined;
  #redactor = new RunRedactor({});
  #abort: AbortController | undefined;
  #driving = false;
  #changes: ChangeOutbox | undefined;
  /** Set when the status or summary changed since the tenant's index was last told. */
  #statusDirty = false;
  /** Set when events were appended since waiters were last woken. */
  #appended = false;
  /** Set when usage changed since the tenant's metrics were last told. */
  #usageDirty = false;
  #onAppend = new Set<() => void>();
  #onTerminal = new Set<() => void>();
  /** What the edge stream yielded and is not written yet; flushed before anything else touches the run. */
  #batch = new OutputBatch<BackendOutput>(
    GROUP_COMMIT_MS,
    (outputs) => this.#write(this.#mustRun(), outputs),
    (out) =>
      this.#onAppend.size > 0 ||
      out.kind === "ref" ||
      (out.kind === "event" && statusAfter(out.event) !== undefined),
  );

  get #store(): RunLog {
    this.#log ??= new RunLog(this.ctx.storage.sql);
    return this.#log;
  }

  /** What the tenant has not acknowledged yet (see change-outbox.ts). */
  get #outbox(): ChangeOutbox {
    this.#changes ??= new ChangeOutbox({
      sql: this.ctx.storage.sql,
      send: (version) => this.#sendChange(version),
      // Schedules have whole seconds: rounded up, so the alarm never comes before its time.
      wakeAt: async (atMs) => {
        await this.schedule(new Date(Math.ceil(atMs / 1000) * 1000), RETRY_CHANGES, undefined, {
          idempotent: false,
        });
      },
      now: () => Date.now(),
      random: Math.random,
      log: (line) => console.error(`run ${this.name}: ${line}`),
    });
    return this.#changes;
  }

  /** The record, loaded once per object lifetime; null when this id holds no run. */
  get #run(): RunRecord | null {
    if (this.#record === undefined) {
      this.#record = this.#store.loadRecord();
      this.#redactor = new RunRedactor({
        secrets: this.#store.getPrivate("secrets"),
        carry: this.#store.getPrivate("carry"),
      });
    }
    return this.#record;
  }

  #mustRun(): RunRecord {
    const run = this.#run;
    if (!run) throw new SwitchyardError("not_found", "run not found");
    return run;
  }

  override async onStart(): Promise<void> {
    // After a restart, an edge run that was streaming resumes following its remote task, and a
    // change the tenant had not acknowledged is delivered again.
    const run = this.#run;
    if (!run) return;
    if (run.status === "running" && this.#edge(run)) this.#drive("recover");
    void this.#outbox.resume();
  }

  /** Creates the run. Repeating it with the same id returns the stored record unchanged. */
  async create(
    record: RunRecord,
    secrets: Record<string, unknown>,
    sessionCheckpoint?: unknown,
    carry?: Record<string, unknown>,
  ): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
      if (this.#run) return this.#run;
      // Secrets its review loop will need after this run ends (see takeCarry).
      if (carry && Object.keys(carry).length) this.#store.setPrivate("carry", carry);
      // A resumed session starts from where its previous run left the backend (its conversation).
      if (sessionCheckpoint !== undefined) this.#store.setPrivate("checkpoint", sessionCheckpoint);
      if (record.placement === "runner") record.status_reason = "waiting for a runner";
      this.#record = record;
      this.#redactor = new RunRedactor({ secrets, carry });
      this.#store.saveRecord(record);
      if (Object.keys(secrets).length) this.#store.setPrivate("secrets", secrets);
      await this.schedule(record.timeout_s, "onTimeout");
      if (this.#edge(record)) {
        await this.scheduleEvery(WATCHDOG_S, "watchdog");
        this.#drive("start");
      }
      return record;
    });
  }

  /** The backend's checkpoint, which a run resuming this run's session starts from. */
  async sessionCheckpoint(): Promise<Outcome<unknown>> {
    return outcome(() => this.#store.getPrivate("checkpoint"));
  }

  async getRecord(): Promise<Outcome<RunRecord | null>> {
    return outcome(() => {
      this.#batch.flush();
      return this.#run;
    });
  }

  async addChild(runId: string): Promise<Outcome<void>> {
    return outcome(() => {
      const run = this.#mustRun();
      if (!run.child_run_ids.includes(runId)) run.child_run_ids.push(runId);
      this.#store.saveRecord(run);
    });
  }

  /** Events after `afterSeq`; parks up to `waitMs` for the next append when there are none. */
  async poll(afterSeq: number, limit: number, waitMs: number): Promise<Outcome<PollResult>> {
    return outcome(async () => {
      this.#batch.flush();
      const run = this.#mustRun();
      const deadline = Date.now() + waitMs;
      let events = this.#store.read(run, afterSeq, limit);
      // Each append wakes us; a cursor ahead of the log (after_seq > last_seq) waits for more.
      while (events.length === 0 && !isTerminal(run.status) && Date.now() < deadline) {
        await this.#wait(this.#onAppend, deadline - Date.now());
        if (run.last_seq > afterSeq) events = this.#store.read(run, afterSeq, limit);
      }
      return {
        status: run.status,
        terminal: isTerminal(run.status),
        events,
        next_after_seq: events.at(-1)?.seq ?? afterSeq,
      };
    });
  }

  /** Resolves when the run is terminal or `waitMs` has passed, with its record either way. */
  async waitTerminal(waitMs: number): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
      this.#batch.flush();
      const run = this.#mustRun();
      if (!isTerminal(run.status) && waitMs > 0) await this.#wait(this.#onTerminal, waitMs);
      return run;
    });
  }

  async cancel(): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
      this.#batch.flush();
      const run = this.#mustRun();
      if (isTerminal(run.status)) return run;
      const remoteError = await this.#haltRemote(run);
      if (!isTerminal(run.status)) {
        this.#transition(
          run,
          "cancelled",
          remoteError ? `cancelled; remote cancel failed: ${remoteError}` : "cancelled by caller",
        );
        this.#commit(run);
      }
      return run;
    });
  }

  /** Live continuation of a run that waits for input; terminal runs are resumed by a new run. */
  async continueWith(message: InputMessage): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
      this.#batch.flush();
      const run = this.#mustRun();
      if (!isAwaitingInput(run.status)) {
        throw new SwitchyardError(
          "conflict",
          `run_id: run is ${run.status}; continue_run needs input_required, auth_required or a finished run`,
          {
            field: "run_id",
          },
        );
      }
      if (run.placement === "runner") {
        const tenant = await tenantStub(this.env, run.tenant);
        if (!(await tenant.hubContinue(run.run_id, message))) {
          throw new SwitchyardError(
            "runner_unavailable",
            "run_id: the runner holding this run is not connected right now",
            {
              field: "run_id",
            },
          );
        }
      }
      this.#append(run, { type: "message_added", data: { role: message.role, parts: message.parts } });
      this.#transition(run, "running", null);
      this.#commit(run);
      this.#drive("continue", message);
      return run;
    });
  }

  // ── runner-backed runs: the tenant's hub calls these ─────────────────────────────────────

  /** What a runner needs to execute the run, or null when it ended while queued. */
  async forDispatch(runner: string): Promise<Outcome<Omit<DispatchFrame, "type"> | null>> {
    return outcome(() => {
      const run = this.#mustRun();
      if (isTerminal(run.status)) return null;
      run.status_reason = `dispatched to runner "${runner}"`;
      run.runner = runner;
      run.remote_ref = { ...run.remote_ref, runner };
      this.#store.saveRecord(run);
      return {
        run_id: run.run_id,
        backend: run.backend,
        message: run.spec.message as InputMessage,
        cwd: run.cwd ?? undefined,
        profile_text: run.spec.profile_text,
        profile_path: run.spec.profile_path,
        output_schema: run.spec.output_schema,
        config: run.spec.config,
        secrets: this.#store.getPrivate<Record<string, unknown>>("secrets") ?? {},
        ref: run.remote_ref,
        session_ref: run.spec.session_ref,
        checkpoint: this.#store.getPrivate("checkpoint"),
        acked_seq: run.relay_seq,
      };
    });
  }

  /**
   * Stores relayed outputs exactly once: items at or below the stored source_seq are repeats
   * (resent after a reconnect) and are dropped; a gap stops the batch so the runner resends.
   * Returns the highest source_seq now stored, which the hub acknowledges. The hub has checked
   * that the sending runner holds the run (or held it until it ended: then its events are late).
   */
  async ingest(items: Extract<RunnerFrame, { type: "run.outputs" }>["items"]): Promise<Outcome<number>> {
    return outcome(() => {
      const run = this.#mustRun();
      const fresh: BackendOutput[] = [];
      for (const { source_seq, output } of items) {
        if (source_seq <= run.relay_seq) continue;
        if (source_seq !== run.relay_seq + 1) break;
        run.relay_seq = source_seq;
        fresh.push(output);
      }
      this.#write(run, fresh);
      return run.relay_seq;
    });
  }

  /** The hub calls this only for a run waiting in its queue, so no runner holds the run now. */
  async setQueuedReason(reason: string): Promise<Outcome<void>> {
    return outcome(() => {
      const run = this.#mustRun();
      if (run.status !== "queued" || (run.status_reason === reason && run.runner === null)) return;
      run.status_reason = reason;
      run.runner = null;
      this.#store.saveRecord(run);
    });
  }

  /**
   * Ends a live run as failed with `code` (runner_lost, runner_refused:…, budget_exceeded,
   * timeout): its stream is stopped and the remote side told, what it produced is kept.
   */
  async stop(code: string, message: string): Promise<Outcome<void>> {
    return outcome(() => this.#stop(code, message));
  }

  async #stop(code: string, message: string): Promise<void> {
    this.#batch.flush();
    const run = this.#run;
    if (!run || isTerminal(run.status)) return;
    // The run fails with `code` either way; a remote that cannot be told changes nothing here.
    await this.#haltRemote(run);
    if (isTerminal(run.status)) return;
    this.#append(run, { type: "run_failed", data: { error: { code, message } } });
    this.#commit(run);
  }

  /**
   * Stops whatever executes the run: the edge stream and the remote agent, or (once the run's end
   * is delivered) the runner holding it. Returns why the remote side could not be told, if it could not.
   */
  async #haltRemote(run: RunRecord): Promise<string | undefined> {
    this.#abort?.abort();
    try {
      const edge = this.#edge(run);
      if (edge) await edge.cancel(this.#backendRun(run));
      // The run's end reaches the tenant through the outbox, which then tells the runner.
      else this.#store.setPrivate(HALT_RUNNER, true);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  /** Hands over (once) the secrets kept for this run's review loop, and forgets them. */
  async takeCarry(): Promise<Outcome<Record<string, unknown> | null>> {
    return outcome(() => {
      const carry = this.#store.getPrivate<Record<string, unknown>>("carry") ?? null;
      this.#store.deletePrivate("carry");
      return carry;
    });
  }

  /** Records a reviewer's verdict on this run (shown by get_run as `review`). */
  async setReview(review: RunReview): Promise<Outcome<void>> {
    return outcome(() => {
      const run = this.#mustRun();
      run.review = {
        reviewer_run_id: review.reviewer_run_id,
        cycle: review.cycle,
        verdict: review.verdict,
        summary: review.summary,
        findings: review.findings,
      };
      this.#store.saveRecord(run);
    });
  }

  async readArtifact(
    seq: number,
    pointer: string,
    offset: number,
    limit: number,
  ): Promise<Outcome<ArtifactPage>> {
    return outcome(() => {
      const run = this.#mustRun();
      const event = this.#store.event(run, seq);
      if (!event)
        throw new SwitchyardError(
          "not_found",
          `seq: no event ${seq} in this run (last_seq is ${run.last_seq})`,
          { field: "seq" },
        );
      const refs = (event.data.artifact_refs ?? {}) as Record<string, ArtifactRef>;
      const ref = refs[pointer];
      if (!ref) {
        const known = Object.keys(refs);
        throw new SwitchyardError(
          "not_found",
          `field_path: event ${seq} has no artifact at "${pointer}"; ${known.length ? `its artifacts are ${known.map((k) => `"${k}"`).join(", ")}` : "it has no artifacts"}`,
          { field: "field_path" },
        );
      }
      return readPage(ref, offset, limit, (first, last) => this.#store.readChunks(seq, pointer, first, last));
    });
  }

  /** Reads a page of a joined artifact's text that the result keeps behind `text_ref`. */
  async readJoinedArtifact(
    artifactId: string,
    offset: number,
    limit: number,
  ): Promise<Outcome<ArtifactPage>> {
    return outcome(() => {
      this.#batch.flush();
      const run = this.#mustRun();
      const artifacts = run.result.artifacts;
      const found = artifacts.find((a) => a.artifact_id === artifactId);
      if (!found?.text_ref) {
        const stored = artifacts.filter((a) => a.text_ref).map((a) => `"${a.artifact_id}"`);
        throw new SwitchyardError(
          "not_found",
          `artifact_id: ${found ? `artifact "${artifactId}" is whole in get_run's result` : `no artifact "${artifactId}" in this run's result`}; ${stored.length ? `stored apart are ${stored.join(", ")}` : "none is stored apart"}`,
          { field: "artifact_id" },
        );
      }
      return readPage(found.text_ref, offset, limit, (first, last) =>
        this.#store.readArtifactText(artifactId, first, last),
      );
    });
  }

  /** Scheduled at creation: a run still live after `timeout_s` fails with reason `timeout`. */
  async onTimeout(): Promise<void> {
    const run = this.#run;
    if (run) await this.#stop("timeout", `the run exceeded timeout_s=${run.timeout_s}`);
  }

  /** Periodic while an edge run is live: re-attaches a stream lost to a restart or a crash. */
  async watchdog(): Promise<void> {
    const run = this.#run;
    if (!run || isTerminal(run.status)) return;
    if (run.status === "running" && !this.#driving) this.#drive("recover");
  }

  /** Follows the backend's stream in the background, keeping the object alive meanwhile. */
  #drive(kind: "start" | "continue" | "recover", message?: InputMessage): void {
    const run = this.#mustRun();
    const backend = this.#edge(run);
    if (!backend || this.#driving) return;
    this.#driving = true;
    const abort = new AbortController();
    this.#abort = abort;
    void this.keepAliveWhile(() => this.#follow(run, backend, kind, abort.signal, message)).finally(() => {
      this.#driving = false;
    });
  }

  async #follow(
    run: RunRecord,
    backend: EdgeBackend,
    kind: string,
    signal: AbortSignal,
    message?: InputMessage,
  ) {
    const spec = this.#backendRun(run);
    const stream =
      kind === "start"
        ? backend.start(spec, signal)
        : kind === "continue"
          ? backend.continue(spec, message!, signal)
          : backend.recover(spec, signal);
    let end: StreamEnd | void;
    try {
      // Read by hand rather than for-await: the stream's return value says whether to poll later.
      for (let next = await stream.next(); ; next = await stream.next()) {
        if (signal.aborted) return;
        if (next.done) {
          end = next.value;
          break;
        }
        this.#batch.push(next.value);
      }
    } catch (e) {
      if (signal.aborted) return;
      this.#batch.flush();
      const text = e instanceof Error ? e.message : String(e);
      this.#append(run, { type: "run_failed", data: { error: { code: "backend_failed", message: text } } });
      this.#commit(run);
      return;
    }
    this.#batch.flush();
    if (signal.aborted || run.status !== "running") return;
    if (end?.pollAfterMs !== undefined) {
      await this.schedule(new Date(Date.now() + end.pollAfterMs), "pollRemote");
      return;
    }
    this.#append(run, {
      type: "run_failed",
      data: { error: { code: "backend_failed", message: "the agent's stream ended without a final status" } },
    });
    this.#commit(run);
  }

  /** Scheduled while the tenant has not acknowledged the run's latest change. */
  async retryChanges(): Promise<void> {
    await this.#outbox.retry();
  }

  /** Scheduled when an agent offers no stream: asks it again how its task is doing. */
  async pollRemote(): Promise<void> {
    const run = this.#run;
    if (run?.status === "running" && !this.#driving) this.#drive("recover");
  }

  /** Stores a backend's outputs in order and commits once; only the newest checkpoint is kept. */
  #write(run: RunRecord, outputs: BackendOutput[]): void {
    const lastCheckpoint = outputs.findLastIndex((out) => out.kind === "checkpoint");
    let refChanged = false;
    outputs.forEach((out, i) => {
      if (out.kind === "checkpoint" && i !== lastCheckpoint) return;
      this.#applyOutput(run, out);
      refChanged ||= out.kind === "ref";
    });
    this.#commit(run, refChanged);
  }

  #applyOutput(run: RunRecord, out: BackendOutput): void {
    if (out.kind === "event") this.#append(run, out.event);
    else if (out.kind === "ref") {
      // remote_ref.runner says which runner the run was dispatched to: the Worker's word, not a backend's.
      const { runner: _claimed, ...ref } = out.ref;
      run.remote_ref = { ...run.remote_ref, ...this.#redactor.deep(ref) };
    } else this.#store.setPrivate("checkpoint", this.#redactor.deep(out.state));
  }

  /** The edge backend driving this run, or undefined when a runner drives it. */
  #edge(run: RunRecord): EdgeBackend | undefined {
    return run.placement === "edge" ? edgeBackendFor(run.backend, this.env) : undefined;
  }

  #backendRun(run: RunRecord): BackendRun {
    return {
      runId: run.run_id,
      message: run.spec.message as InputMessage,
      cwd: run.cwd ?? undefined,
      profileText: run.spec.profile_text,
      outputSchema: run.spec.output_schema,
      metadata: run.metadata,
      config: run.spec.config,
      secrets: this.#store.getPrivate<Record<string, unknown>>("secrets") ?? {},
      ref: run.remote_ref,
      sessionRef: run.spec.session_ref,
      checkpoint: this.#store.getPrivate("checkpoint"),
    };
  }

  /** Appends one event with secrets redacted (see run-redactor.ts for what it may add). */
  #append(run: RunRecord, event: NewEvent): void {
    for (const redacted of this.#redactor.event(event)) this.#appendRedacted(run, redacted);
  }

  /**
   * Appends one redacted event (usage normalized), then the status change it implies. This is the
   * one place events are stored, so every backend's log has the same order: the causing event
   * (run_completed, run_failed, rejected, …) first, its status_changed right after it. After the
   * run's end only a bounded number of events are stored (admitEvent).
   */
  #appendRedacted(run: RunRecord, event: NewEvent): void {
    if (!admitEvent(run)) return;
    const { data } = event;
    const clean = { type: event.type, data: event.type === "usage" ? this.#normalizeUsage(run, data) : data };
    const now = new Date().toISOString();
    run.last_seq += 1;
    this.#store.append(run, run.last_seq, now, clean);
    this.#appended = true;
    const from = run.status;
    const to = applyEvent(run, clean, run.last_seq, now, this.#store.artifactTexts);
    if (to) this.#logTransition(run, from, to, run.status_reason);
    if (to === "completed" && run.spec.output_schema && run.result.structured_output !== undefined) {
      run.result.structured_output_validation = checkOutput(
        run.spec.output_schema,
        run.result.structured_output,
      );
    }
  }

  #prices: PriceTable | undefined;

  /** Usage out of range is stored as an anomaly (no numbers) and never reaches totals or metrics. */
  #normalizeUsage(run: RunRecord, data: Record<string, unknown>): NormalizedUsage | UsageAnomaly {
    this.#prices ??= parsePriceTable(this.env.SWITCHYARD_PRICES);
    const usage = normalizeUsage(data, run.backend, this.#prices);
    if ("anomaly" in usage) console.warn("usage refused", run.run_id, run.backend, usage.anomaly.message);
    else this.#usageDirty = true;
    return usage;
  }

  #transition(run: RunRecord, to: RunStatus, reason: string | null): void {
    const from = run.status;
    const clean = this.#redactor.deep(reason);
    setStatus(run, to, new Date().toISOString(), clean);
    this.#logTransition(run, from, to, clean);
  }

  #logTransition(run: RunRecord, from: RunStatus, to: RunStatus, reason: string | null): void {
    run.last_seq += 1;
    this.#store.append(run, run.last_seq, run.updated_at, {
      type: "status_changed",
      data: { from, to, reason },
    });
    this.#appended = true;
    this.#statusDirty = true;
  }

  /** Persists the record, wakes waiters and tells the tenant's index what changed. */
  #commit(run: RunRecord, refChanged = false): void {
    this.#store.saveRecord(run);
    if (this.#appended) {
      this.#appended = false;
      for (const wake of this.#onAppend) wake();
      this.#onAppend.clear();
    }
    const terminal = isTerminal(run.status);
    if (terminal) {
      for (const wake of this.#onTerminal) wake();
      this.#onTerminal.clear();
      this.#store.deletePrivate("secrets");
      // Only a completed run can be reviewed (or remediated), so only its review loop needs these.
      if (run.status !== "completed") this.#store.deletePrivate("carry");
      void this.#clearSchedules();
    }
    if (this.#statusDirty || this.#usageDirty || refChanged) {
      this.#statusDirty = false;
      this.#usageDirty = false;
      this.#outbox.post();
    }
  }

  /** A finished run needs neither its timeout nor its watchdog; its changes may still be retrying. */
  async #clearSchedules(): Promise<void> {
    for (const s of await this.listSchedules()) {
      if (s.callback !== RETRY_CHANGES) await this.cancelSchedule(s.id);
    }
  }

  /** Tells the tenant the run's current state as `version`; throws when it is not applied. */
  async #sendChange(version: number): Promise<void> {
    const run = this.#mustRun();
    const tenant = await tenantStub(this.env, run.tenant);
    await tenant.runChanged({
      run_id: run.run_id,
      version,
      status: run.status,
      last_seq: run.last_seq,
      updated_at: run.updated_at,
      summary: run.summary,
      remote_ref: run.remote_ref,
      usage: run.result.usage,
      started_at: run.started_at,
      completed_at: run.completed_at,
      halt_runner: this.#store.getPrivate<boolean>(HALT_RUNNER) === true,
    });
  }

  #wait(waiters: Set<() => void>, ms: number): Promise<void> {
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
}
