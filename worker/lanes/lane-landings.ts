// Each land and reclaim request of a lane, in the tenant's SQLite: which runner was asked, when,
// and its answer (or why none came), for get_lane_activity's landing state.
import { z } from "zod";
import { LandResultSchema, ReclaimResultSchema } from "../../shared/lanes/lane-work.ts";

export const LandingSchema = z.object({
  landing_id: z.string(),
  kind: z.enum(["land", "reclaim"]),
  runner: z.string(),
  requested_at: z.string(),
  /** The runner's answer; null while waiting or when none came (see error). */
  result: z.union([LandResultSchema, ReclaimResultSchema]).nullable(),
  error: z.string().nullable(),
});
export type Landing = z.infer<typeof LandingSchema>;

type LandingRow = Omit<Landing, "result"> & { result: string | null; lane_id: string };

export class LandingTable {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  note(laneId: string, l: Landing): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO lane_landings (landing_id, lane_id, kind, runner, requested_at, result, error)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      l.landing_id,
      laneId,
      l.kind,
      l.runner,
      l.requested_at,
      l.result === null ? null : JSON.stringify(l.result),
      l.error,
    );
  }

  ofLane(laneId: string): Landing[] {
    return (
      this.#sql
        .exec("SELECT * FROM lane_landings WHERE lane_id = ? ORDER BY requested_at, rowid", laneId)
        .toArray() as LandingRow[]
    ).map(({ lane_id: _, result, ...l }) => ({
      ...l,
      result: result === null ? null : (JSON.parse(result) as Landing["result"]),
    }));
  }
}
