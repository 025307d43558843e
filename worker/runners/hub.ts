// The runner hub: what the tenant object does with runner links. Dispatches runner-backed runs
// to capable runners (or keeps them queued with the reason), relays outputs to run objects and
// acknowledges them, and fails the runs of a runner gone past its grace period. A runner's frames
// reach only the runs it holds; frames naming any other run are ignored and counted.
import type { RunRpc } from "../objects/stubs.ts";
import {
  CLOSE_CODES,
  HelloVersionSchema,
  PROTOCOL_VERSION,
  type ApprovalFrame,
  type RunnerFrame,
  type WorkerFrame,
} from "../../shared/protocol/frames.ts";
import type { InputMessage } from "../../shared/runs/messages.ts";
import type { LandResult, ReclaimResult } from "../../shared/lanes/lane-work.ts";
import { LaneRequests, offline } from "./lane-requests.ts";
import { pickRunner, whyQueued, type RunnerPick } from "./placement.ts";
import type { RunnerRow, RunnerTable } from "./runner-table.ts";

type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

export interface HubDeps {
  table: RunnerTable;
  tenant: string;
  send(connectionId: string, frame: WorkerFrame): boolean;
  close(connectionId: string, code: CloseCode, reason: string): void;
  run(runId: string): Promise<RunRpc>;
  now(): number;
  heartbeatMs: number;
  /**
   * When the connection last answered a heartbeat automatically (ms since epoch; 0 if never), or
   * null when it is not an open socket of this object (closed, or lost with a restart).
   */
  lastHeard(connectionId: string): number | null;
  /** Asks to be called back (`expireRunners`) once a gone runner's grace period has passed. */
  scheduleExpiry(afterMs: number): Promise<void>;
  graceMs: number;
  /** How long a lane.land or lane.reclaim waits for the runner's lane.reply. */
  laneRequestMs: number;
}

type LaneFrame<T extends "lane.land" | "lane.reclaim"> = Omit<
  Extract<WorkerFrame, { type: T }>,
  "type" | "request_id"
>;

export class RunnerHub {
  readonly deps: HubDeps;
  readonly #laneRequests: LaneRequests;

  constructor(deps: HubDeps) {
    this.deps = deps;
    this.#laneRequests = new LaneRequests(deps.laneRequestMs);
  }

  async onFrame(connectionId: string, frame: RunnerFrame): Promise<void> {
    switch (frame.type) {
      case "runner.hello":
        return this.#hello(connectionId, frame);
      case "run.outputs":
        return this.#outputs(connectionId, frame);
      case "run.refused":
        return this.#refused(connectionId, frame);
      case "lane.reply": {
        const runner = this.#sender(connectionId);
        if (runner && !this.#laneRequests.reply(runner, frame.request_id, frame.result))
          console.warn("lane.reply ignored: no such request pending for its sender", {
            runner,
            request_id: frame.request_id,
            ignored: this.deps.table.countIgnored(runner),
          });
        return;
      }
      case "ping":
        // Normally answered by the automatic response without waking us; answer it anyway.
        this.deps.send(connectionId, { type: "pong" });
        return;
    }
  }

  async #hello(connectionId: string, hello: Extract<RunnerFrame, { type: "runner.hello" }>): Promise<void> {
    const { table } = this.deps;
    if (this.refuseOtherProtocol(connectionId, hello)) return;
    const previous = table.runner(hello.name);
    if (previous?.connection_id && previous.connection_id !== connectionId) {
      // A live holder keeps its name, unless the newcomer is the same runner process (its old link
      // is dead though not yet noticed here: a process has one link at a time) or asks to replace.
      const heardMs = this.#heardMs(previous);
      if (heardMs !== null && previous.instance !== hello.instance && !hello.replace) {
        this.deps.close(
          connectionId,
          CLOSE_CODES.name_in_use,
          `runner "${hello.name}" is connected already (heard ${Math.round((this.deps.now() - heardMs) / 1000)} s ago)`,
        );
        return;
      }
      this.deps.close(
        previous.connection_id,
        CLOSE_CODES.replaced,
        `a new connection took the name "${hello.name}"`,
      );
    }
    table.upsertRunner({
      name: hello.name,
      connection_id: connectionId,
      version: hello.version,
      labels: hello.labels,
      max_runs: hello.max_runs,
      backends: hello.backends,
      roots: hello.roots,
      instance: hello.instance,
      seen_ms: this.deps.now(),
    });
    this.deps.send(connectionId, {
      type: "runner.welcome",
      tenant: this.deps.tenant,
      heartbeat_ms: this.deps.heartbeatMs,
    });
    // Runs this runner held before but no longer has (it restarted) cannot come back — unless the
    // run never reported anything: then its dispatch went out on a connection that dropped before
    // the runner got it, and it is queued again instead.
    const holds = new Set(hello.active_runs);
    const assigned = new Set(table.runsOf(hello.name));
    // Runs it still holds that ended here while it was away (cancelled, timed out, lost): the
    // cancel could not reach it then, so it goes now and the runner ends what they started.
    for (const runId of holds) {
      if (!assigned.has(runId)) this.deps.send(connectionId, { type: "run.cancel", run_id: runId });
    }
    for (const runId of assigned) {
      if (holds.has(runId)) continue;
      const record = await (await this.deps.run(runId)).getRecord();
      if (record?.status === "queued" && record.relay_seq === 0) {
        table.assign(runId, null);
        continue;
      }
      await this.#fail(
        runId,
        "runner_lost",
        `runner "${hello.name}" reconnected without this run (it restarted)`,
      );
    }
    await this.dispatchQueued();
  }

  /** Closes a hello of another protocol version, parsed or not (its shape may differ); true if it did. */
  refuseOtherProtocol(connectionId: string, raw: unknown): boolean {
    const hello = HelloVersionSchema.safeParse(raw);
    if (!hello.success || hello.data.protocol === PROTOCOL_VERSION) return false;
    this.deps.close(
      connectionId,
      CLOSE_CODES.protocol_mismatch,
      `runner protocol ${hello.data.protocol}; this Switchyard speaks ${PROTOCOL_VERSION}`,
    );
    return true;
  }

  async #outputs(connectionId: string, frame: Extract<RunnerFrame, { type: "run.outputs" }>): Promise<void> {
    const runner = this.#sender(connectionId);
    if (!runner) return;
    const { table } = this.deps;
    // The run's last holder may still deliver what it had queued when the run ended here (the
    // usage of a cancelled turn): the run object stores a few such late events and changes nothing.
    const holds =
      table.runnerOf(frame.run_id) === runner ||
      table.endedHolder(frame.run_id, this.deps.now(), this.deps.graceMs) === runner;
    if (!holds) {
      this.#ignore(runner, frame);
      // Acknowledged all the same, so a runner that lost the run drops these outputs instead of
      // resending them on every reconnect. The ack tells nothing: it is the sender's own number.
      const last = Math.max(...frame.items.map((item) => item.source_seq));
      this.deps.send(connectionId, { type: "run.ack", run_id: frame.run_id, source_seq: last });
      return;
    }
    const acked = await (await this.deps.run(frame.run_id)).ingest(frame.items);
    this.deps.send(connectionId, { type: "run.ack", run_id: frame.run_id, source_seq: acked });
  }

  async #refused(connectionId: string, frame: Extract<RunnerFrame, { type: "run.refused" }>): Promise<void> {
    const runner = this.#sender(connectionId);
    if (!runner) return;
    // Only the holder's refusal counts: anyone else's would fail the run or, requeued, hand it
    // (and its secrets) to whichever runner is picked next.
    if (this.deps.table.runnerOf(frame.run_id) !== runner) return this.#ignore(runner, frame);
    // A runner still finishing a run that already ended here is briefly full: the run waits for
    // the next free slot rather than failing.
    if (frame.code === "no_free_slot") {
      this.deps.table.assign(frame.run_id, null);
      await (await this.deps.run(frame.run_id)).setQueuedReason(`waiting for a free slot: ${frame.reason}`);
      return;
    }
    await this.#fail(frame.run_id, `runner_refused:${frame.code}`, frame.reason);
  }

  /** The name of the runner on this link, or undefined (and the link closed) before its hello. */
  #sender(connectionId: string): string | undefined {
    const runner = this.deps.table.runnerByConnection(connectionId);
    if (!runner) {
      this.deps.close(connectionId, CLOSE_CODES.bad_frame, "send runner.hello first");
      return undefined;
    }
    this.deps.table.touch(runner.name, this.deps.now());
    return runner.name;
  }

  /**
   * A frame naming a run its sender does not hold changes nothing; it is counted per runner and
   * logged without its contents. Not a protocol error that closes the link: an honest runner sends
   * such frames in ordinary races (a run it held ended here long ago), and closing would make it
   * resend everything of its other runs, while a rogue one gains nothing from an ignored frame.
   */
  #ignore(runner: string, frame: Extract<RunnerFrame, { run_id: string }>): void {
    const ignored = this.deps.table.countIgnored(runner);
    console.warn("runner frame ignored: the run is not held by its sender", {
      run_id: frame.run_id,
      runner,
      frame: frame.type,
      ignored,
    });
  }

  /** A link closed: its runs stay assigned for the grace period, then fail with runner_lost. */
  async onClose(connectionId: string): Promise<void> {
    const runner = this.deps.table.runnerByConnection(connectionId);
    if (!runner) return;
    this.#laneRequests.dropRunner(runner.name);
    this.deps.table.markGone(runner.name, this.deps.now());
    await this.deps.scheduleExpiry(this.deps.graceMs);
  }

  /**
   * When a runner's link was last heard from (the later of its last frame and its last automatic
   * pong), or null once that link is not live: not an open socket here, or silent for three
   * heartbeats — the runner pings every heartbeat, so such a link is dead, merely not closed yet.
   */
  #heardMs(runner: RunnerRow): number | null {
    const pong = runner.connection_id ? this.deps.lastHeard(runner.connection_id) : null;
    if (pong === null) return null;
    const heard = Math.max(runner.seen_ms, pong);
    return heard >= this.deps.now() - 3 * this.deps.heartbeatMs ? heard : null;
  }

  /** Periodic: closes links that are no longer live, so a half-open one does not hold runs forever. */
  async sweepStale(): Promise<void> {
    for (const runner of this.deps.table.allRunners()) {
      if (!runner.connection_id || this.#heardMs(runner) !== null) continue;
      this.deps.close(runner.connection_id, CLOSE_CODES.stale, "no heartbeat for three intervals");
      await this.onClose(runner.connection_id);
    }
  }

  /** Called back after a grace period: runners still gone lose their runs. */
  async expireRunners(): Promise<void> {
    const now = this.deps.now();
    for (const runner of this.deps.table.allRunners()) {
      if (runner.gone_since_ms === null || now - runner.gone_since_ms < this.deps.graceMs) continue;
      for (const runId of this.deps.table.runsOf(runner.name)) {
        await this.#fail(
          runId,
          "runner_lost",
          `runner "${runner.name}" has been gone for more than ${Math.round(this.deps.graceMs / 1000)} s`,
        );
      }
      this.deps.table.deleteRunner(runner.name);
    }
  }

  enqueue(runId: string, pick: RunnerPick): Promise<void> {
    this.deps.table.enqueue(runId, pick, this.deps.now());
    return this.dispatchQueued();
  }

  /** A run ended: its slot is free again. */
  release(runId: string): Promise<void> {
    this.deps.table.end(runId, this.deps.now(), this.deps.graceMs);
    return this.dispatchQueued();
  }

  /** The runner holding the run, or the one that held it until it ended (within the grace period). */
  holderOf(runId: string): string | undefined {
    const { table } = this.deps;
    return table.runnerOf(runId) ?? table.endedHolder(runId, this.deps.now(), this.deps.graceMs);
  }

  /** Tells the runner holding the run to stop it; a queued run simply leaves the queue. */
  cancel(runId: string): void {
    const runner = this.deps.table.runnerOf(runId);
    const connectionId = runner ? this.deps.table.runner(runner)?.connection_id : null;
    if (connectionId) this.deps.send(connectionId, { type: "run.cancel", run_id: runId });
    if (runner === null) this.deps.table.release(runId);
  }

  /** Forwards a follow-up to the runner holding the run; false when it is not connected. */
  continueRun(runId: string, message: InputMessage): boolean {
    return this.#toHolder(runId, { type: "run.continue", run_id: runId, message });
  }

  /** Forwards the caller's answer to an approval request; false when the run's runner is not connected. */
  answerApproval(frame: ApprovalFrame): boolean {
    return this.#toHolder(frame.run_id, frame);
  }

  #toHolder(runId: string, frame: WorkerFrame): boolean {
    const runner = this.deps.table.runnerOf(runId);
    const connectionId = runner ? this.deps.table.runner(runner)?.connection_id : null;
    return connectionId ? this.deps.send(connectionId, frame) : false;
  }

  /** Asks the runner holding a lane to merge its branch into base, and waits for the answer. */
  land(runner: string, frame: LaneFrame<"lane.land">): Promise<LandResult> {
    return this.#laneRequest(runner, "land", (request_id) => ({ type: "lane.land", request_id, ...frame }));
  }

  /** Asks the runner holding a lane to remove its worktree and branch, and waits for the answer. */
  reclaim(runner: string, frame: LaneFrame<"lane.reclaim">): Promise<ReclaimResult> {
    return this.#laneRequest(runner, "reclaim", (request_id) => ({
      type: "lane.reclaim",
      request_id,
      ...frame,
    }));
  }

  /**
   * Whether the runner is on a live link now: an open socket of this object heard from lately. Its
   * stored connection id alone can be stale — a link the object lost with a restart.
   */
  isLive(runner: string): boolean {
    const row = this.deps.table.runner(runner);
    return row !== undefined && this.#heardMs(row) !== null;
  }

  #laneRequest<K extends "land" | "reclaim">(
    runner: string,
    kind: K,
    frame: (requestId: string) => WorkerFrame,
  ) {
    const connectionId = this.isLive(runner) ? this.deps.table.runner(runner)!.connection_id : null;
    if (!connectionId) return Promise.reject(offline(runner));
    return this.#laneRequests.open(runner, kind, (requestId) =>
      this.deps.send(connectionId, frame(requestId)),
    );
  }

  /** Places every queued run it can, oldest first; the others learn why they wait. */
  async dispatchQueued(): Promise<void> {
    const { table } = this.deps;
    for (const { run_id, pick } of table.queued()) {
      const runners = table.connected();
      const runner = pickRunner(runners, pick);
      const run = await this.deps.run(run_id);
      if (!runner) {
        await run.setQueuedReason(whyQueued(runners, pick));
        continue;
      }
      // Claimed before the await below, so a concurrent pass cannot place the run twice.
      table.assign(run_id, runner.name);
      const payload = await run.forDispatch(runner.name);
      const connectionId = table.runner(runner.name)?.connection_id;
      if (!payload) {
        table.release(run_id); // ended while queued (cancelled, timed out)
      } else if (!connectionId || !this.deps.send(connectionId, { type: "run.dispatch", ...payload })) {
        table.assign(run_id, null);
      }
    }
  }

  async #fail(runId: string, code: string, message: string): Promise<void> {
    this.deps.table.end(runId, this.deps.now(), this.deps.graceMs);
    await (await this.deps.run(runId)).stop(code, message);
  }
}
