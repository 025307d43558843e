// Each worker run's cycle in a lane, in the tenant's SQLite: its test result, its verdict and what
// followed (a review, a remediation, ready to land, or stopped), so the lane's story reads one table.
import { z } from "zod";

export const CycleNextSchema = z.enum(["review", "remediation", "ready", "stopped"]);

export const LaneCycleSchema = z.object({
  worker_run_id: z.string(),
  cycle: z.number(),
  /** null: the lane has no test gate (or the run reported none). */
  tests_passed: z.boolean().nullable(),
  verdict: z.enum(["pass", "pass_with_findings", "fail"]).nullable(),
  /** What the cycle led to: a reviewer, a remediation run, the lane ready to land, or nothing more. */
  next: CycleNextSchema,
  /** The reviewer or remediation run that followed. */
  next_run_id: z.string().nullable(),
  updated_at: z.string(),
});
export type LaneCycle = z.infer<typeof LaneCycleSchema>;

type CycleRow = Omit<LaneCycle, "tests_passed"> & { tests_passed: number | null; lane_id: string };

export class LaneCycleTable {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** Records (or updates) a worker run's cycle. */
  note(laneId: string, c: LaneCycle): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO lane_cycles (worker_run_id, lane_id, cycle, tests_passed, verdict, next, next_run_id, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      c.worker_run_id,
      laneId,
      c.cycle,
      c.tests_passed === null ? null : Number(c.tests_passed),
      c.verdict,
      c.next,
      c.next_run_id,
      c.updated_at,
    );
  }

  of(workerRunId: string): LaneCycle | undefined {
    const row = this.#sql
      .exec("SELECT * FROM lane_cycles WHERE worker_run_id = ?", workerRunId)
      .toArray()[0] as CycleRow | undefined;
    return row && toCycle(row);
  }

  ofLane(laneId: string): LaneCycle[] {
    return (
      this.#sql
        .exec("SELECT * FROM lane_cycles WHERE lane_id = ? ORDER BY updated_at, rowid", laneId)
        .toArray() as CycleRow[]
    ).map(toCycle);
  }
}

function toCycle({ lane_id: _, tests_passed, ...row }: CycleRow): LaneCycle {
  return { ...row, tests_passed: tests_passed === null ? null : tests_passed === 1 };
}
