// Lanes executing their queues: one item at a time, in order, only once every lane they depend on
// is merged. Driven by events, never by polling: an enqueue, a lane run's end (after its review
// loop had its turn) and a lane's status change each call `advance`.
import { SwitchyardError } from "../../shared/errors.ts";
import type { RunRpc } from "../objects/stubs.ts";
import type { RunRecord } from "../runs/run-record.ts";
import type { RunIndex } from "../runs/run-index.ts";
import type { SpawnRequest } from "../runs/spawn.ts";
import type { RunStatus } from "../../shared/runs/status.ts";
import type { LaneHistory } from "./lane-history.ts";
import type { ItemSecrets, LaneQueue } from "./lane-queue.ts";
import type { Lane, LaneTable } from "./lane.ts";
import type { LaneStatus } from "../../shared/lanes/lane-status.ts";

/** Statuses in which a lane takes its next item (a lane in review that gets more work is active again). */
const TAKES_WORK: readonly LaneStatus[] = ["planned", "active", "review"];

export interface LaneDispatchDeps {
  lanes: LaneTable;
  queue: LaneQueue;
  history: LaneHistory;
  index: RunIndex;
  /** The tenant's spawn: every check and row before its first await. */
  spawn(req: SpawnRequest, secrets: ItemSecrets): Promise<RunRecord>;
  run(runId: string): Promise<RunRpc>;
  now(): string;
}

/** The idempotency key of an item's run: a repeated dispatch of the same item finds the same run. */
export const itemKey = (itemId: string) => `lane-item:${itemId}`;

export class LaneDispatcher {
  readonly #d: LaneDispatchDeps;

  constructor(deps: LaneDispatchDeps) {
    this.#d = deps;
  }

  /**
   * The entry point: dispatches what may run now because of `laneId` — its own next item and,
   * when it is merged, the first items of the lanes depending on it. Call it whenever a lane's
   * queue, status or runs change; calling it when nothing may run does nothing. `endingRunId` is
   * a lane run whose end is being handled right now (it no longer keeps the lane busy).
   */
  async advance(laneId: string, endingRunId?: string): Promise<void> {
    await this.#dispatchNext(laneId, endingRunId);
    if (this.#d.lanes.get(laneId)?.status !== "merged") return;
    for (const dependant of this.#d.lanes.dependantsOf(laneId)) await this.#dispatchNext(dependant.lane_id);
  }

  /** Why the lane's next item is not running yet, or null when nothing holds it back. */
  whyWaiting(lane: Lane, endingRunId?: string): string | null {
    if (!TAKES_WORK.includes(lane.status)) return `the lane is ${lane.status}`;
    const unmerged = lane.depends_on.filter((dep) => this.#d.lanes.get(dep)?.status !== "merged");
    if (unmerged.length) return `waiting for ${unmerged.map((d) => `"${d}"`).join(", ")} to be merged`;
    const busy = this.#d.index.unsettledInLane(lane.lane_id, endingRunId);
    return busy ? `waiting for run ${busy} to end` : null;
  }

  async #dispatchNext(laneId: string, endingRunId?: string): Promise<void> {
    const { lanes, queue } = this.#d;
    // Everything up to the spawn's first await is synchronous, so two passes cannot both find the
    // lane idle: the first one's run is in the index before the second looks.
    const lane = lanes.get(laneId);
    if (!lane || this.whyWaiting(lane, endingRunId) !== null) return;
    const next = queue.takeNext(laneId, this.#d.now());
    if (!next) return;
    if (lane.status !== "active") lanes.put({ ...lane, status: "active", updated_at: this.#d.now() });
    try {
      const run = await this.#d.spawn(
        { ...next.request, idempotency_key: itemKey(next.item.item_id) },
        next.secrets,
      );
      queue.setRun(next.item.item_id, run.run_id);
    } catch (e) {
      // Refused (a budget, a session …): the item failed, and the lane goes on with the next.
      queue.fail(next.item.item_id, e instanceof SwitchyardError ? e.message : "internal error");
      await this.#dispatchNext(laneId, endingRunId);
    }
  }

  /**
   * A run of the lane ended and its review loop had its turn: the lane keeps what the run changed
   * and tested, the run's item is finished, and the lane takes its next item.
   */
  async runEnded(runId: string, laneId: string, status: RunStatus): Promise<void> {
    const record = await (await this.#d.run(runId)).getRecord();
    if (record) {
      this.#d.history.record(laneId, {
        run_id: runId,
        role: record.role,
        status,
        changes: record.changes ?? null,
        tests: record.tests ?? null,
        ended_at: record.completed_at ?? this.#d.now(),
      });
    }
    // An item whose spawn was cut short by a restart (its run indexed, the run id not yet noted
    // on it) is found by its run's idempotency key.
    for (const item of this.#d.queue.inState(laneId, "dispatched")) {
      if (item.run_id === null && this.#d.index.runOfKey(itemKey(item.item_id)) === runId)
        this.#d.queue.setRun(item.item_id, runId);
    }
    this.#d.queue.finishRun(runId);
    await this.advance(laneId, runId);
  }

  /**
   * A lane run started on `runner`: a lane without a holder has its worktree there now, and every
   * later run of the lane goes to that runner.
   */
  noteHolder(laneId: string, runner: string | null | undefined): void {
    const lane = this.#d.lanes.get(laneId);
    if (!runner || !lane || lane.repo === null || lane.holder !== null) return;
    this.#d.lanes.put({ ...lane, holder: runner, updated_at: this.#d.now() });
  }

  /** The lane closed: its waiting items are cancelled (their secrets dropped). */
  laneClosed(laneId: string): void {
    this.#d.queue.cancelWaiting(laneId);
  }
}
