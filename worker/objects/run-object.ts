// RunObject: one per run, a plain Durable Object. The only writer of the run's event log, so seq
// is contiguous by construction. It parses and calls plain modules: the writer (status machine,
// append path, waiters), the edge driver (the stream of an edge run), the alarm (timeout, watchdog,
// polling, change and webhook retries), the change outbox and the
// webhook deliveries, and the dashboard's live sockets. Tool answers are validated and shaped before here.
import { DurableObject } from "cloudflare:workers";
import { SwitchyardError, outcome, type Outcome } from "../../shared/errors.ts";
import type { Env } from "../env.ts";
import type { BackendOutput, BackendRun } from "../../shared/backends/backend.ts";
import { edgeBackendFor } from "../backends/edge.ts";
import type { DispatchFrame, RunOutputs } from "../../shared/protocol/frames.ts";
import { readEventArtifact, readJoinedText } from "../runs/artifact-reads.ts";
import type { ArtifactPage } from "../runs/artifacts.ts";
import { EdgeDriver } from "../runs/edge-driver.ts";
import type { RunEvent } from "../../shared/runs/events.ts";
import type { ApprovalAnswer } from "../../shared/runs/approvals.ts";
import type { InputMessage } from "../../shared/runs/messages.ts";
import { RunAlarms, type AlarmTask, type RunTimes } from "../runs/run-alarms.ts";
import { RunLog } from "../runs/run-log.ts";
import { assertNoApprovalWaiting, pendingApproval, requestAnswered } from "../runs/run-approvals.ts";
import type { RunRecord, RunReview } from "../runs/run-record.ts";
import { toRunView, type RunView } from "../runs/run-view.ts";
import { RunWriter } from "../runs/run-writer.ts";
import { toBackendRun, toDispatch, type RunPrivate } from "../../shared/runs/run-spec.ts";
import { holdsRunTables, openRunStorage } from "../storage/run-storage.ts";
import { isAwaitingInput, isTerminal, type RunStatus } from "../../shared/runs/status.ts";
import { parsePriceTable, type PriceTable } from "../../shared/runs/usage.ts";
import { mintRunToken } from "../orchestration/run-token.ts";
import { RUN_TOKEN_SECRET, orchestrates } from "../../shared/runs/run-token.ts";
import type { AgentMessage } from "../agents/agent-inbox.ts";
import { ChangeOutbox } from "./change-outbox.ts";
import { createGuardedFetch } from "../egress/guarded-fetch.ts";
import { parseAllowHosts } from "../egress/allow-list.ts";
import { RunNotifier, type NotifyPrivate } from "../notify/run-notifier.ts";
import { tenantStub } from "./stubs.ts";
import { RunLive } from "../dashboard/run-live.ts";

export interface PollResult {
  status: RunStatus;
  terminal: boolean;
  events: RunEvent[];
  next_after_seq: number;
}

/** Where a run stands, as wait_runs reports it: the few fields a join needs, not the whole record. */
export interface RunStanding {
  run_id: string;
  status: RunStatus;
  terminal: boolean;
  summary: string;
}

const standing = (run: RunRecord): RunStanding => ({
  run_id: run.run_id,
  status: run.status,
  terminal: isTerminal(run.status),
  summary: run.summary,
});

/** A message as message_added events carry it. */
const messageData = (message: InputMessage): Record<string, unknown> => ({
  role: message.role,
  parts: message.parts,
  ...(message.metadata !== undefined ? { metadata: message.metadata } : {}),
});

const runnerAway = () =>
  new SwitchyardError(
    "runner_unavailable",
    "run_id: the runner holding this run is not connected right now",
    {
      field: "run_id",
    },
  );

/** Private key set when Switchyard ends a runner's run: the tenant tells the runner to stop it. */
const HALT_RUNNER = "halt_runner";

export class RunObject extends DurableObject<Env> {
  /** Whether this object had no run when it started: its storage is migrated without looking first. */
  readonly #fresh: boolean;
  /** The storage, migrated once per object lifetime. */
  #sql: SqlStorage | undefined;
  #log: RunLog | undefined;
  /** The run's writer, built once per object lifetime; null when this id holds no run. */
  #writer: RunWriter | null | undefined;
  #driver: EdgeDriver | undefined;
  #changes: ChangeOutbox | undefined;
  #notifier: RunNotifier | undefined;
  #prices: PriceTable | undefined;

  /** Dashboards following the run (worker/dashboard/run-live.ts); only ever used once a run exists. */
  readonly #live = new RunLive({
    ctx: this.ctx,
    read: (afterSeq, limit) => this.#store.read(this.#mustRun(), afterSeq, limit),
    view: () => toRunView(this.#mustRun()),
  });

  readonly #alarms = new RunAlarms({
    store: this.ctx.storage,
    times: () => this.#times(),
    run: (task) => this.#runTask(task),
    now: () => Date.now(),
    log: (line) => this.#say(line),
  });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // A plain Durable Object has no start hook. After a restart, an edge run that was streaming
    // resumes following its remote task, a change the tenant had not acknowledged is delivered
    // again, and the alarm is armed for whatever the stored state says is due (which also carries
    // runs whose schedules an earlier version kept elsewhere).
    this.#fresh = !holdsRunTables(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      // A new object holds no run: nothing to resume, and `create` opens its storage.
      if (this.#fresh) return;
      const w = this.#w;
      if (!w) return;
      this.#edge?.check();
      void this.#outbox.resume();
      void this.#notify.outbox.retry();
      await this.#alarms.sync();
    });
  }

  get #storage(): SqlStorage {
    this.#sql ??= openRunStorage(this.ctx.storage, this.#fresh);
    return this.#sql;
  }

  get #store(): RunLog {
    this.#log ??= new RunLog(this.#storage);
    return this.#log;
  }

  /** What the tenant has not acknowledged yet (see change-outbox.ts). */
  get #outbox(): ChangeOutbox {
    this.#changes ??= new ChangeOutbox({
      sql: this.#storage,
      send: (version) => this.#sendChange(version),
      wakeAt: (atMs) => this.#alarms.arm(atMs),
      now: () => Date.now(),
      random: Math.random,
      log: (line) => this.#say(line),
    });
    return this.#changes;
  }

  /** The run's webhook deliveries (see notify/run-notifier.ts). */
  get #notify(): RunNotifier {
    this.#notifier ??= new RunNotifier({
      sql: this.#storage,
      log: this.#store,
      run: () => this.#w?.run,
      fetch: createGuardedFetch(parseAllowHosts(this.env.SWITCHYARD_EDGE_ALLOW_HOSTS)),
      wakeAt: (atMs) => this.#alarms.arm(atMs),
      now: () => Date.now(),
      say: (line) => this.#say(line),
    });
    return this.#notifier;
  }

  /** The run's writer over the stored record, loaded once per object lifetime; null when there is no run. */
  get #w(): RunWriter | null {
    if (this.#writer === undefined) {
      const record = this.#store.loadRecord();
      this.#writer = record
        ? this.#newWriter(record, {
            secrets: this.#store.getPrivate("secrets"),
            carry: this.#store.getPrivate("carry"),
            notify: this.#store.getPrivate<NotifyPrivate>("notify")?.secret,
          })
        : null;
    }
    return this.#writer;
  }

  #newWriter(record: RunRecord, secrets: Record<string, unknown>): RunWriter {
    return new RunWriter(record, secrets, {
      log: this.#store,
      prices: () => (this.#prices ??= parsePriceTable(this.env.SWITCHYARD_PRICES)),
      changed: () => this.#outbox.post(),
      entered: (status, seq) => this.#notify.entered(status, seq),
      committed: () => this.#live.push(),
    });
  }

  #mustRun(): RunRecord {
    return this.#mustWriter().run;
  }

  #mustWriter(): RunWriter {
    const w = this.#w;
    if (!w) throw new SwitchyardError("not_found", "run not found");
    return w;
  }

  /** The writer with whatever the edge stream holds written first: every read and change starts here. */
  #flushed(): RunWriter {
    this.#driver?.flush();
    return this.#mustWriter();
  }

  /** The driver of an edge run's stream; undefined when a runner drives the run. */
  get #edge(): EdgeDriver | undefined {
    const w = this.#w;
    if (this.#driver || !w || w.run.placement !== "edge") return this.#driver;
    const backend = edgeBackendFor(w.run.backend, this.env);
    if (!backend) return undefined;
    this.#driver = new EdgeDriver({
      backend,
      writer: w,
      spec: () => this.#backendRun(w.run),
      checkAt: (atMs) => this.#alarms.arm(atMs),
      now: () => Date.now(),
    });
    return this.#driver;
  }

  /** Creates the run. Repeating it with the same id returns the stored record unchanged. */
  async create(
    record: RunRecord,
    secrets: Record<string, unknown>,
    sessionCheckpoint?: unknown,
    carry?: Record<string, unknown>,
    notifySecret?: string,
  ): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
      if (this.#w) return this.#w.run;
      // Kept apart until the run's last delivery is done (see run-notifier.ts); never sent to a runner.
      if (notifySecret !== undefined) {
        const verdict_expected =
          carry !== undefined && record.notify?.events.includes("review_verdict") === true;
        this.#store.setPrivate("notify", { secret: notifySecret, verdict_expected } satisfies NotifyPrivate);
      }
      // Secrets its review loop will need after this run ends (see takeCarry).
      if (carry && Object.keys(carry).length) this.#store.setPrivate("carry", carry);
      // A resumed session starts from where its previous run left the backend (its conversation).
      if (sessionCheckpoint !== undefined) this.#store.setPrivate("checkpoint", sessionCheckpoint);
      if (record.placement === "runner") record.status_reason = "waiting for a runner";
      this.#writer = this.#newWriter(record, { secrets, carry, notify: notifySecret });
      this.#store.saveRecord(record);
      if (Object.keys(secrets).length) this.#store.setPrivate("secrets", secrets);
      await this.#alarms.sync();
      this.#edge?.drive("start");
      return record;
    });
  }

  /** The backend's checkpoint, which a run resuming this run's session starts from. */
  async sessionCheckpoint(): Promise<Outcome<unknown>> {
    return outcome(() => this.#store.getPrivate("checkpoint"));
  }

  async getRecord(): Promise<Outcome<RunRecord | null>> {
    return outcome(() => {
      this.#driver?.flush();
      return this.#w?.run ?? null;
    });
  }

  /** The run as get_run shows it, built here: the spec and bookkeeping it leaves out never cross the RPC. */
  async view(): Promise<Outcome<RunView>> {
    return outcome(() => toRunView(this.#flushed().run));
  }

  async addChild(runId: string): Promise<Outcome<void>> {
    return outcome(() => {
      const run = this.#mustRun();
      if (!run.child_run_ids.includes(runId)) run.child_run_ids.push(runId);
      this.#store.saveRecord(run);
      this.#live.push();
    });
  }

  /** Events after `afterSeq`; parks up to `waitMs` for the next append when there are none. */
  async poll(afterSeq: number, limit: number, waitMs: number): Promise<Outcome<PollResult>> {
    return outcome(async () => {
      const w = this.#flushed();
      const { run } = w;
      const deadline = Date.now() + waitMs;
      let events = this.#store.read(run, afterSeq, limit);
      // Each append wakes us; a cursor ahead of the log (after_seq > last_seq) waits for more.
      while (events.length === 0 && !isTerminal(run.status) && Date.now() < deadline) {
        await w.nextAppend(deadline - Date.now());
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

  /**
   * For watch_runs, which parks on many runs and answers on the first that moves: when nothing is
   * after `afterSeq` and the run is live, waits up to `waitMs` for the next append and says only
   * whether there was one. The watcher reads the page with `poll` then; a watcher that already
   * answered on another run has gone, and its parked watch costs this object a timer, never a read.
   */
  async watch(afterSeq: number, waitMs: number): Promise<Outcome<{ moved: boolean }>> {
    return outcome(async () => {
      const w = this.#flushed();
      const moved = () => w.run.last_seq > afterSeq || isTerminal(w.run.status);
      if (!moved() && waitMs > 0) await w.nextAppend(waitMs);
      return { moved: moved() };
    });
  }

  /** Resolves when the run is terminal or `waitMs` has passed, with where it stands either way. */
  async waitTerminal(waitMs: number): Promise<Outcome<RunStanding>> {
    return outcome(async () => {
      const w = this.#flushed();
      if (!isTerminal(w.run.status) && waitMs > 0) await w.end(waitMs);
      return standing(w.run);
    });
  }

  async cancel(): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
      const w = this.#flushed();
      const { run } = w;
      if (isTerminal(run.status)) return run;
      const remoteError = await this.#haltRemote();
      if (!isTerminal(run.status)) {
        w.transition(
          "cancelled",
          remoteError ? `cancelled; remote cancel failed: ${remoteError}` : "cancelled by caller",
        );
        w.commit();
      }
      return run;
    });
  }

  /**
   * The caller's answer to the approval request the run's agent waits on, sent to its runner; the
   * agent goes on in the same turn (its runner reports `approval_resolved`).
   */
  async answerApproval(answer: ApprovalAnswer): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
      const w = this.#flushed();
      const { run } = w;
      const { request_id } = requestAnswered(run, answer);
      const tenant = await tenantStub(this.env, run.tenant);
      const sent = await tenant.hubAnswerApproval({
        type: "run.approval",
        run_id: run.run_id,
        request_id,
        approve: answer.approve,
        ...(answer.reason === undefined ? {} : { reason: answer.reason }),
      });
      if (!sent) throw runnerAway();
      // Timed out on the runner while the answer travelled: the runner ignores the late answer.
      if (pendingApproval(run)?.request_id !== request_id) {
        throw new SwitchyardError("conflict", `approval: request "${request_id}" was resolved meanwhile`, {
          field: "approval",
        });
      }
      run.pending_approval = null;
      w.transition("running", null);
      w.commit();
      return run;
    });
  }

  /** Live continuation of a run that waits for input; terminal runs are resumed by a new run. */
  async continueWith(message: InputMessage): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
      const w = this.#flushed();
      const { run } = w;
      assertNoApprovalWaiting(run);
      if (!isAwaitingInput(run.status)) {
        throw new SwitchyardError(
          "conflict",
          `run_id: run is ${run.status}; continue_run needs input_required, auth_required or a finished run`,
          {
            field: "run_id",
          },
        );
      }
      if (!(await this.#continueLive(w, message, {}))) throw runnerAway();
      return run;
    });
  }

  /** Hands a waiting run its follow-up; false when the runner holding it is not connected. */
  async #continueLive(w: RunWriter, message: InputMessage, note: Record<string, unknown>): Promise<boolean> {
    const { run } = w;
    if (run.placement === "runner") {
      const tenant = await tenantStub(this.env, run.tenant);
      if (!(await tenant.hubContinue(run.run_id, message))) return false;
    }
    w.append({ type: "message_added", data: { ...messageData(message), ...note } });
    w.transition("running", null);
    w.commit();
    this.#edge?.drive("continue", message);
    return true;
  }

  /** An agent message with this run's secrets redacted, as its events would hold it. */
  async redactAgentMessage(
    message: Pick<AgentMessage, "body" | "metadata">,
  ): Promise<Outcome<Pick<AgentMessage, "body" | "metadata">>> {
    return outcome(() => this.#mustWriter().redact(message));
  }

  /**
   * An agent message arriving for this run's agent: with `continueIfWaiting` and the run
   * input_required, it continues the run; otherwise it is noted as a message_added event while it
   * waits in the inbox. Either way the event carries `agent_message` (the inbox entry).
   */
  async deliverAgentMessage(
    message: InputMessage,
    entry: Record<string, unknown>,
    continueIfWaiting: boolean,
  ): Promise<Outcome<"continue" | "inbox">> {
    return outcome(async () => {
      const w = this.#flushed();
      // A run waiting on an approval is answered only by its caller's approval: the message waits.
      const waiting = continueIfWaiting && w.run.status === "input_required" && !pendingApproval(w.run);
      if (
        waiting &&
        (await this.#continueLive(w, message, { agent_message: { ...entry, delivery: "continue" } }))
      )
        return "continue";
      w.append({
        type: "message_added",
        data: { ...messageData(message), agent_message: { ...entry, delivery: "inbox" } },
      });
      w.commit();
      return "inbox";
    });
  }

  // ── runner-backed runs: the tenant's hub calls these, and the runner's object `ingest` ────

  /**
   * What a runner needs to execute the run, or null when it ended while queued. An orchestrating
   * run gets a fresh run token among its secrets; only its hash is kept, so a dispatch again (to
   * another runner) leaves the earlier token dead.
   */
  async forDispatch(runner: string): Promise<Outcome<Omit<DispatchFrame, "type"> | null>> {
    return outcome(async () => {
      const run = this.#mustRun();
      if (isTerminal(run.status)) return null;
      const state = this.#private();
      if (orchestrates(run.spec.config)) {
        const { token, hash } = await mintRunToken({ tenant: run.tenant, run_id: run.run_id });
        // The mint awaited: the run may have ended meanwhile, and a token must not outlive it.
        if (isTerminal(run.status)) return null;
        this.#store.setPrivate("run_token_hash", hash);
        state.secrets = { ...state.secrets, [RUN_TOKEN_SECRET]: token };
      }
      run.status_reason = `dispatched to runner "${runner}"`;
      run.runner = runner;
      run.remote_ref = { ...run.remote_ref, runner };
      this.#store.saveRecord(run);
      this.#live.push();
      return toDispatch(run, state);
    });
  }

  /**
   * The run's agent name when `hash` is the hash of its current token and the run is live (checked
   * on every call); null otherwise.
   */
  async honoursRunToken(hash: string): Promise<Outcome<string | null>> {
    return outcome(() => {
      // A token naming a run that never existed opens no storage for it.
      if (!holdsRunTables(this.ctx.storage.sql)) return null;
      const run = this.#w?.run;
      const kept = this.#store.getPrivate<string>("run_token_hash");
      const live = run !== undefined && !isTerminal(run.status) && kept !== undefined && kept === hash;
      return live ? run.agent_name : null;
    });
  }

  /**
   * Stores relayed outputs exactly once: items at or below the stored source_seq are repeats
   * (resent after a reconnect) and are dropped; a gap stops the batch so the runner resends.
   * Returns the highest source_seq now stored, which the runner's object acknowledges. That object
   * has checked that `runner` holds the run (or held it until it ended: then its events are late);
   * as a second line, outputs from any runner but the one the run was dispatched to are not stored
   * (null).
   */
  async ingest(items: RunOutputs["items"], runner: string): Promise<Outcome<number | null>> {
    return outcome(() => {
      const w = this.#mustWriter();
      const { run } = w;
      if (run.placement !== "runner" || run.runner !== runner) return null;
      const fresh: BackendOutput[] = [];
      for (const { source_seq, output } of items) {
        if (source_seq <= run.relay_seq) continue;
        if (source_seq !== run.relay_seq + 1) break;
        run.relay_seq = source_seq;
        fresh.push(output);
      }
      w.write(fresh);
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
      this.#live.push();
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
    this.#driver?.flush();
    const w = this.#w;
    if (!w || isTerminal(w.run.status)) return;
    // The run fails with `code` either way; a remote that cannot be told changes nothing here.
    await this.#haltRemote();
    if (isTerminal(w.run.status)) return;
    w.append({ type: "run_failed", data: { error: { code, message } } });
    w.commit();
  }

  /**
   * Stops whatever executes the run: the edge stream and the remote agent, or (once the run's end
   * is delivered) the runner holding it. Returns why the remote side could not be told, if it could not.
   */
  async #haltRemote(): Promise<string | undefined> {
    try {
      const edge = this.#edge;
      if (edge) await edge.halt();
      // The run's end reaches the tenant through the outbox, which then tells the runner.
      else this.#store.setPrivate(HALT_RUNNER, true);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * Hands over (once) the secrets kept for this run's review loop, and forgets them; `reviewing`
   * says whether a reviewer is being started (else no verdict will land on this run).
   */
  async takeCarry(reviewing: boolean): Promise<Outcome<Record<string, unknown> | null>> {
    return outcome(() => {
      if (!reviewing) this.#notify.noVerdictExpected();
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
      this.#live.push();
      this.#notify.reviewed(run.review);
    });
  }

  async readArtifact(
    seq: number,
    pointer: string,
    offset: number,
    limit: number,
  ): Promise<Outcome<ArtifactPage>> {
    return outcome(() => readEventArtifact(this.#store, this.#mustRun(), seq, pointer, offset, limit));
  }

  /** Reads a page of a joined artifact's text that the result keeps behind `text_ref`. */
  async readJoinedArtifact(
    artifactId: string,
    offset: number,
    limit: number,
  ): Promise<Outcome<ArtifactPage>> {
    return outcome(() => readJoinedText(this.#store, this.#flushed().run, artifactId, offset, limit));
  }

  // ── the dashboard's live sockets ─────────────────────────────────────────────────────────

  /**
   * A dashboard's live socket, handed over by worker/dashboard/live-routes.ts once it checked the
   * session (whose tenant named this object) and the cursor. An object holding no run — an id that
   * never existed, or another tenant's — answers not_found and opens no storage.
   */
  override async fetch(request: Request): Promise<Response> {
    if (!holdsRunTables(this.ctx.storage.sql) || !this.#w)
      return RunLive.refuse({ code: "not_found", message: "run not found" });
    this.#driver?.flush();
    return this.#live.open(Number(new URL(request.url).searchParams.get("after_seq")));
  }

  /** A dashboard sends nothing; whatever it sends is ignored. */
  override async webSocketMessage(): Promise<void> {}

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed: nothing to answer.
    }
  }

  // ── the alarm ─────────────────────────────────────────────────────────────────────────────

  override async alarm(): Promise<void> {
    await this.#alarms.fire();
  }

  /** The due times the stored run implies (see run-alarms.ts). */
  #times(): RunTimes {
    const run = this.#w?.run;
    const live = run !== undefined && !isTerminal(run.status);
    return {
      timeoutAtMs: live ? Date.parse(run.created_at) + run.timeout_s * 1000 : null,
      edgeLive: live && run.placement === "edge",
      retryAtMs: this.#outbox.pending()?.retry_at_ms ?? null,
      notifyAtMs: this.#notify.outbox.nextAtMs(),
    };
  }

  async #runTask(task: AlarmTask): Promise<void> {
    const run = this.#w?.run;
    if (!run) return;
    if (task === "timeout") await this.#stop("timeout", `the run exceeded timeout_s=${run.timeout_s}`);
    else if (task === "edge_check") this.#edge?.check();
    else if (task === "notify_retry") await this.#notify.outbox.retry();
    else await this.#outbox.retry();
  }

  #backendRun(run: RunRecord): BackendRun {
    return toBackendRun(run, this.#private());
  }

  /** What the run keeps apart from its record, for its backend (see run-spec.ts). */
  #private(): RunPrivate {
    return {
      secrets: this.#store.getPrivate<Record<string, unknown>>("secrets") ?? {},
      checkpoint: this.#store.getPrivate("checkpoint"),
    };
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

  #say(line: string): void {
    console.error(`run ${this.ctx.id.name ?? this.ctx.id.toString()}: ${line}`);
  }
}
