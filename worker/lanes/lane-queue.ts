// A lane's queue of work in the tenant's SQLite: items in the order they were enqueued, each the
// spawn it becomes when its turn comes. An item's secrets wait in a table of their own, never in
// the item, and leave it when the item is dispatched (to the run's object) or cancelled.
import { z } from "zod";
import type { SpawnRequest } from "../runs/spawn.ts";
import { toPlainText } from "../../shared/runs/messages.ts";
import { truncateUtf8 } from "../../shared/runs/utf8.ts";

export const LANE_ITEM_STATES = ["waiting", "dispatched", "finished", "failed", "cancelled"] as const;
export type LaneItemState = (typeof LANE_ITEM_STATES)[number];

/** What get_lane_activity and manage_lane enqueue show of an item. */
export const LaneItemSchema = z.object({
  item_id: z.string(),
  lane_id: z.string(),
  /** 1, 2, … in the order items were enqueued into the lane. */
  position: z.number(),
  state: z
    .enum(LANE_ITEM_STATES)
    .describe(
      "waiting for its turn, dispatched (its run is the lane's current work), finished (its run ended), " +
        "failed (its run could not be created: see error), cancelled (the lane was closed first)",
    ),
  run_id: z.string().nullable(),
  backend: z.string(),
  role: z.string(),
  prompt: z.string().describe("the beginning of the item's message, as text"),
  error: z.string().nullable(),
  created_at: z.string(),
  dispatched_at: z.string().nullable(),
});
export type LaneItem = z.infer<typeof LaneItemSchema>;

/** What a run gets from its item: the spawn, and the secrets kept apart until then. */
export interface ItemSecrets {
  secrets: Record<string, unknown>;
  carry?: Record<string, unknown>;
}

const PROMPT_PREVIEW_BYTES = 200;
/** Items a lane holds waiting at most: a queue is a plan of work, not a store. */
export const MAX_WAITING_ITEMS = 100;

interface RawItem {
  item_id: string;
  lane_id: string;
  position: number;
  state: LaneItemState;
  request: string;
  run_id: string | null;
  error: string | null;
  created_at: string;
  dispatched_at: string | null;
}

function toItem(raw: RawItem): LaneItem {
  const request = JSON.parse(raw.request) as SpawnRequest;
  const { request: _, ...rest } = raw;
  return {
    ...rest,
    backend: request.backend,
    role: request.role,
    prompt: truncateUtf8(toPlainText(request.spec.message), PROMPT_PREVIEW_BYTES),
  };
}

export class LaneQueue {
  readonly #sql: SqlStorage;
  readonly #changed: (laneId: string) => void;

  /**
   * `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables;
   * `changed` hears of every lane whose queue moved (the dashboard's feed).
   */
  constructor(sql: SqlStorage, changed: (laneId: string) => void = () => {}) {
    this.#sql = sql;
    this.#changed = changed;
  }

  #raw(query: string, ...params: unknown[]): RawItem[] {
    return this.#sql.exec(query, ...params).toArray() as unknown as RawItem[];
  }

  /** Appends an item at the end of the lane's queue. */
  add(laneId: string, request: SpawnRequest, secrets: ItemSecrets, now: string): LaneItem {
    const item_id = `item_${crypto.randomUUID().replaceAll("-", "")}`;
    const position =
      this.#sql
        .exec<{ n: number }>(
          "SELECT COALESCE(MAX(position), 0) AS n FROM lane_items WHERE lane_id = ?",
          laneId,
        )
        .one().n + 1;
    this.#sql.exec(
      `INSERT INTO lane_items (item_id, lane_id, position, state, request, created_at) VALUES (?, ?, ?, 'waiting', ?, ?)`,
      item_id,
      laneId,
      position,
      JSON.stringify(request),
      now,
    );
    if (Object.keys(secrets.secrets).length || secrets.carry)
      this.#sql.exec(
        "INSERT INTO lane_item_secrets (item_id, secrets) VALUES (?, ?)",
        item_id,
        JSON.stringify(secrets),
      );
    this.#changed(laneId);
    return this.get(item_id)!;
  }

  get(itemId: string): LaneItem | undefined {
    return this.#raw("SELECT * FROM lane_items WHERE item_id = ?", itemId).map(toItem)[0];
  }

  waiting(laneId: string): number {
    return this.#sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM lane_items WHERE lane_id = ? AND state = 'waiting'",
        laneId,
      )
      .one().n;
  }

  /** The lane's items in `state`, in queue order. */
  inState(laneId: string, state: LaneItemState, limit = 1000): LaneItem[] {
    return this.#raw(
      "SELECT * FROM lane_items WHERE lane_id = ? AND state = ? ORDER BY position LIMIT ?",
      laneId,
      state,
      limit,
    ).map(toItem);
  }

  /**
   * Takes the lane's first waiting item for dispatch: it becomes `dispatched` and its secrets
   * leave the queue with it. Undefined when nothing waits.
   */
  takeNext(
    laneId: string,
    now: string,
  ): { item: LaneItem; request: SpawnRequest; secrets: ItemSecrets } | undefined {
    const raw = this.#raw(
      "SELECT * FROM lane_items WHERE lane_id = ? AND state = 'waiting' ORDER BY position LIMIT 1",
      laneId,
    )[0];
    if (!raw) return undefined;
    this.#sql.exec(
      "UPDATE lane_items SET state = 'dispatched', dispatched_at = ? WHERE item_id = ?",
      now,
      raw.item_id,
    );
    const secrets = this.#takeSecrets(raw.item_id) ?? { secrets: {} };
    this.#changed(laneId);
    return { item: this.get(raw.item_id)!, request: JSON.parse(raw.request) as SpawnRequest, secrets };
  }

  #takeSecrets(itemId: string): ItemSecrets | undefined {
    const row = this.#sql
      .exec<{ secrets: string }>("SELECT secrets FROM lane_item_secrets WHERE item_id = ?", itemId)
      .toArray()[0];
    this.#sql.exec("DELETE FROM lane_item_secrets WHERE item_id = ?", itemId);
    return row ? (JSON.parse(row.secrets) as ItemSecrets) : undefined;
  }

  setRun(itemId: string, runId: string): void {
    this.#sql.exec("UPDATE lane_items SET run_id = ? WHERE item_id = ?", runId, itemId);
  }

  /** The item whose run this is ends: its run ended. */
  finishRun(runId: string): void {
    const lanes = this.#sql
      .exec<{ lane_id: string }>(
        "UPDATE lane_items SET state = 'finished' WHERE run_id = ? AND state = 'dispatched' RETURNING lane_id",
        runId,
      )
      .toArray();
    for (const { lane_id } of lanes) this.#changed(lane_id);
  }

  /** The item's run could not be created. */
  fail(itemId: string, error: string): void {
    const lanes = this.#sql
      .exec<{ lane_id: string }>(
        "UPDATE lane_items SET state = 'failed', error = ? WHERE item_id = ? RETURNING lane_id",
        error,
        itemId,
      )
      .toArray();
    for (const { lane_id } of lanes) this.#changed(lane_id);
  }

  /** The lane closed: nothing of it waits any more, and no secrets are kept for it. */
  cancelWaiting(laneId: string): number {
    const waiting = this.inState(laneId, "waiting").map((i) => i.item_id);
    for (const itemId of waiting) this.#takeSecrets(itemId);
    this.#sql.exec(
      "UPDATE lane_items SET state = 'cancelled' WHERE lane_id = ? AND state = 'waiting'",
      laneId,
    );
    if (waiting.length) this.#changed(laneId);
    return waiting.length;
  }
}
