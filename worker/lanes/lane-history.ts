// What each ended run of a lane left behind, in the tenant's SQLite: its status, the commit and
// diff stats of its changes and its test gate's result (the run's own record keeps them too; the
// lane keeps them so its activity reads one table instead of every run's object).
import { z } from "zod";
import { RunChangesSchema, TestResultSchema } from "../../shared/lanes/lane-work.ts";
import { RunStatusSchema } from "../../shared/runs/status.ts";

export const LaneRunSchema = z.object({
  run_id: z.string(),
  role: z.string(),
  status: RunStatusSchema,
  changes: RunChangesSchema.nullable(),
  tests: TestResultSchema.nullable(),
  ended_at: z.string(),
});
export type LaneRun = z.infer<typeof LaneRunSchema>;

export class LaneHistory {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  record(laneId: string, run: LaneRun): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO lane_runs (run_id, lane_id, role, status, changes, tests, ended_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      run.run_id,
      laneId,
      run.role,
      run.status,
      run.changes && JSON.stringify(run.changes),
      run.tests && JSON.stringify(run.tests),
      run.ended_at,
    );
  }

  /** The lane's ended runs, oldest first, the newest `limit` of them. */
  ofLane(laneId: string, limit: number): LaneRun[] {
    const rows = this.#sql
      .exec<{
        run_id: string;
        role: string;
        status: string;
        changes: string | null;
        tests: string | null;
        ended_at: string;
      }>(
        "SELECT * FROM (SELECT * FROM lane_runs WHERE lane_id = ? ORDER BY ended_at DESC, run_id DESC LIMIT ?) ORDER BY ended_at, run_id",
        laneId,
        limit,
      )
      .toArray();
    return rows.map((r) => ({
      run_id: r.run_id,
      role: r.role,
      status: RunStatusSchema.parse(r.status),
      changes: r.changes === null ? null : RunChangesSchema.parse(JSON.parse(r.changes)),
      tests: r.tests === null ? null : TestResultSchema.parse(JSON.parse(r.tests)),
      ended_at: r.ended_at,
    }));
  }
}
