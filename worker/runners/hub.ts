// The runner hub: what the tenant object does with its runners. Dispatches runner-backed runs to
// capable runners (or keeps them queued with the reason), hands each run to its runner's object
// (which relays its outputs and holds the frame authority) and takes it back at the run's end, and
// fails the runs of a runner gone past its grace period. It hears from a runner's object only at
// the rate runners come and go: hellos, refusals, lane replies, links gone.
import type { RunRpc } from "../objects/stubs.ts";
import type { ApprovalFrame, RunnerFrame, WorkerFrame } from "../../shared/protocol/frames.ts";
import type { InputMessage } from "../../shared/runs/messages.ts";
import type { LandResult, ReclaimResult } from "../../shared/lanes/lane-work.ts";
import { LaneRequests, offline } from "./lane-requests.ts";
import { pickRunner, whyQueued, type RunnerPick } from "./placement.ts";
import type { RunnerTable } from "./runner-table.ts";
import type { LinkHello } from "./runner-link.ts";

/** A runner's object, as the hub reaches it (objects/runner-object.ts). */
export interface RunnerLinks {
  /** Sends on the runner's link `connectionId` if it still holds the name; false when it does not. */
  deliver(runner: string, connectionId: string, frame: WorkerFrame): Promise<boolean>;
  /** The run is no longer the runner's: ended (late outputs still land) or taken back. */
  release(runner: string, runId: string, ended: boolean): Promise<void>;
  isLive(runner: string, connectionId: string): Promise<boolean>;
}

export interface HubDeps {
  table: RunnerTable;
  links: RunnerLinks;
  run(runId: string): Promise<RunRpc>;
  now(): number;
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

  /** A runner's link said hello (its object admitted it under the name and welcomed it). */
  async hello(runner: string, connectionId: string, hello: LinkHello): Promise<void> {
    const { table } = this.deps;
    table.upsertRunner({
      name: runner,
      connection_id: connectionId,
      version: hello.version,
      labels: hello.labels,
      max_runs: hello.max_runs,
      backends: hello.backends,
      roots: hello.roots,
      instance: hello.instance,
      seen_ms: this.deps.now(),
    });
    // Runs this runner held before but no longer has (it restarted) cannot come back — unless the
    // run never reported anything: then its dispatch went out on a connection that dropped before
    // the runner got it, and it is queued again instead.
    const holds = new Set(hello.active_runs);
    const assigned = new Set(table.runsOf(runner));
    // Runs it still holds that ended here while it was away (cancelled, timed out, lost): the
    // cancel could not reach it then, so it goes now and the runner ends what they started.
    for (const runId of holds) {
      if (!assigned.has(runId))
        await this.deps.links.deliver(runner, connectionId, { type: "run.cancel", run_id: runId });
    }
    for (const runId of assigned) {
      if (holds.has(runId)) continue;
      const record = await (await this.deps.run(runId)).getRecord();
      if (record?.status === "queued" && record.relay_seq === 0) {
        await this.#takeBack(runner, runId);
        continue;
      }
      await this.#fail(
        runId,
        "runner_lost",
        `runner "${runner}" reconnected without this run (it restarted)`,
      );
    }
    await this.dispatchQueued();
  }

  /** The runner will not execute a run its object says it holds. */
  async refused(runner: string, frame: Extract<RunnerFrame, { type: "run.refused" }>): Promise<void> {
    // Its object checked the run is the runner's; so does the table, the one that decides.
    if (this.deps.table.runnerOf(frame.run_id) !== runner) return;
    // A runner still finishing a run that already ended here is briefly full: the run waits for
    // the next free slot rather than failing.
    if (frame.code === "no_free_slot") {
      await this.#takeBack(runner, frame.run_id);
      await (await this.deps.run(frame.run_id)).setQueuedReason(`waiting for a free slot: ${frame.reason}`);
      return;
    }
    await this.#fail(frame.run_id, `runner_refused:${frame.code}`, frame.reason);
  }

  /** A lane request's answer; false when no such request is pending for this runner. */
  laneReply(runner: string, frame: Extract<RunnerFrame, { type: "lane.reply" }>): boolean {
    return this.#laneRequests.reply(runner, frame.request_id, frame.result);
  }

  /** A link closed or went silent: its runs stay assigned for the grace period, then fail with runner_lost. */
  async gone(runner: string, connectionId: string): Promise<void> {
    if (this.deps.table.runner(runner)?.connection_id !== connectionId) return;
    this.#laneRequests.dropRunner(runner);
    this.deps.table.markGone(runner, this.deps.now());
    await this.deps.scheduleExpiry(this.deps.graceMs);
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
  async release(runId: string): Promise<void> {
    await this.#end(runId);
    return this.dispatchQueued();
  }

  /** The runner holding the run, or the one that held it until it ended (within the grace period). */
  holderOf(runId: string): string | undefined {
    const { table } = this.deps;
    return table.runnerOf(runId) ?? table.endedHolder(runId, this.deps.now(), this.deps.graceMs);
  }

  /** Tells the runner holding the run to stop it; a queued run simply leaves the queue. */
  async cancel(runId: string): Promise<void> {
    const runner = this.deps.table.runnerOf(runId);
    if (runner === null) this.deps.table.release(runId);
    else await this.#toHolder(runId, { type: "run.cancel", run_id: runId });
  }

  /** Forwards a follow-up to the runner holding the run; false when it is not connected. */
  continueRun(runId: string, message: InputMessage): Promise<boolean> {
    return this.#toHolder(runId, { type: "run.continue", run_id: runId, message });
  }

  /** Forwards the caller's answer to an approval request; false when the run's runner is not connected. */
  answerApproval(frame: ApprovalFrame): Promise<boolean> {
    return this.#toHolder(frame.run_id, frame);
  }

  async #toHolder(runId: string, frame: WorkerFrame): Promise<boolean> {
    const runner = this.deps.table.runnerOf(runId);
    const connectionId = runner ? this.deps.table.runner(runner)?.connection_id : null;
    return runner && connectionId ? this.deps.links.deliver(runner, connectionId, frame) : false;
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
   * Whether the runner is on a live link now: its object's open socket, heard from lately. The
   * stored connection id alone can be stale — a link its object lost with a restart.
   */
  async isLive(runner: string): Promise<boolean> {
    const connectionId = this.deps.table.runner(runner)?.connection_id;
    return connectionId ? this.deps.links.isLive(runner, connectionId) : false;
  }

  async #laneRequest<K extends "land" | "reclaim">(
    runner: string,
    kind: K,
    frame: (requestId: string) => WorkerFrame,
  ) {
    const connectionId = (await this.isLive(runner)) ? this.deps.table.runner(runner)?.connection_id : null;
    if (!connectionId) throw offline(runner);
    return this.#laneRequests.open(runner, kind, (requestId) =>
      this.deps.links.deliver(runner, connectionId, frame(requestId)),
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
      } else if (
        !connectionId ||
        !(await this.deps.links.deliver(runner.name, connectionId, { type: "run.dispatch", ...payload }))
      ) {
        table.assign(run_id, null);
      }
    }
  }

  /** The run goes back to the queue; its runner no longer speaks for it. */
  async #takeBack(runner: string, runId: string): Promise<void> {
    this.deps.table.assign(runId, null);
    await this.deps.links.release(runner, runId, false);
  }

  /** The run ended here: its holder's late outputs land for the grace period, then nothing does. */
  async #end(runId: string): Promise<void> {
    const runner = this.deps.table.runnerOf(runId);
    this.deps.table.end(runId, this.deps.now(), this.deps.graceMs);
    if (runner) await this.deps.links.release(runner, runId, true);
  }

  async #fail(runId: string, code: string, message: string): Promise<void> {
    await this.#end(runId);
    await (await this.deps.run(runId)).stop(code, message);
  }
}
