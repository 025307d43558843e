// A lane's history in the tenant's SQLite: each worker run's cycle (its test result, its verdict
// and what followed: a review, a remediation, ready to land, or stopped) and each land or reclaim
// request with its answer.
import { z } from "zod";
import { LandResultSchema, ReclaimResultSchema } from "../../shared/lanes/lane-work.ts";

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

export const LandingSchema = z.object({
  request_id: z.string(),
  kind: z.enum(["land", "reclaim"]),
  runner: z.string(),
  requested_at: z.string(),
  /** The runner's answer; null while waiting or when none came (see error). */
  result: z.union([LandResultSchema, ReclaimResultSchema]).nullable(),
  error: z.string().nullable(),
});
export type Landing = z.infer<typeof LandingSchema>;

type CycleRow = Omit<LaneCycle, "tests_passed"> & { tests_passed: number | null; lane_id: string };
type LandingRow = Omit<Landing, "result"> & { result: string | null; lane_id: string };

export class LaneHistory {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** Records (or updates) a worker run's cycle. */
  noteCycle(laneId: string, c: LaneCycle): void {
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

  cycle(workerRunId: string): LaneCycle | undefined {
    const row = this.#sql
      .exec("SELECT * FROM lane_cycles WHERE worker_run_id = ?", workerRunId)
      .toArray()[0] as CycleRow | undefined;
    return row && toCycle(row);
  }

  cycles(laneId: string): LaneCycle[] {
    return (
      this.#sql
        .exec("SELECT * FROM lane_cycles WHERE lane_id = ? ORDER BY updated_at, rowid", laneId)
        .toArray() as CycleRow[]
    ).map(toCycle);
  }

  noteLanding(laneId: string, l: Landing): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO lane_landings (request_id, lane_id, kind, runner, requested_at, result, error)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      l.request_id,
      laneId,
      l.kind,
      l.runner,
      l.requested_at,
      l.result === null ? null : JSON.stringify(l.result),
      l.error,
    );
  }

  landings(laneId: string): Landing[] {
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

function toCycle({ lane_id: _, tests_passed, ...row }: CycleRow): LaneCycle {
  return { ...row, tests_passed: tests_passed === null ? null : tests_passed === 1 };
}
