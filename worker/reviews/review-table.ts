// Review state in the tenant's SQLite: which runs asked for review (and at which cycle), and the
// verdicts and findings reviewers returned.
import type { Finding, ReviewPolicy } from "./review-policy.ts";

export interface ReviewRecord {
  reviewer_run_id: string;
  worker_run_id: string;
  lane_id: string | null;
  cycle: number;
  /** null when the reviewer ended without a usable verdict (failed, or output off-schema). */
  verdict: "pass" | "pass_with_findings" | "fail" | null;
  summary: string;
  findings: Finding[];
  created_at: string;
}

export class ReviewTable {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  setPolicy(runId: string, policy: ReviewPolicy, cycle: number): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO review_policies (run_id, policy, cycle) VALUES (?, ?, ?)",
      runId,
      JSON.stringify(policy),
      cycle,
    );
  }

  policyOf(
    runId: string,
  ): { policy: ReviewPolicy; cycle: number; reviewer_run_id: string | null } | undefined {
    const row = this.#sql
      .exec("SELECT policy, cycle, reviewer_run_id FROM review_policies WHERE run_id = ?", runId)
      .toArray()[0] as { policy: string; cycle: number; reviewer_run_id: string | null } | undefined;
    return (
      row && {
        policy: JSON.parse(row.policy) as ReviewPolicy,
        cycle: row.cycle,
        reviewer_run_id: row.reviewer_run_id,
      }
    );
  }

  /** Marks the worker's review as started; false when it already was (a repeated report). */
  claim(workerRunId: string, reviewerRunId: string): boolean {
    const result = this.#sql.exec(
      "UPDATE review_policies SET reviewer_run_id = ? WHERE run_id = ? AND reviewer_run_id IS NULL",
      reviewerRunId,
      workerRunId,
    );
    return result.rowsWritten > 0;
  }

  setReviewer(workerRunId: string, reviewerRunId: string): void {
    this.#sql.exec(
      "UPDATE review_policies SET reviewer_run_id = ? WHERE run_id = ?",
      reviewerRunId,
      workerRunId,
    );
  }

  workerOf(reviewerRunId: string): { run_id: string; policy: ReviewPolicy; cycle: number } | undefined {
    const row = this.#sql
      .exec("SELECT run_id, policy, cycle FROM review_policies WHERE reviewer_run_id = ?", reviewerRunId)
      .toArray()[0] as { run_id: string; policy: string; cycle: number } | undefined;
    return row && { run_id: row.run_id, policy: JSON.parse(row.policy) as ReviewPolicy, cycle: row.cycle };
  }

  /** Stores a verdict once; false when this reviewer's verdict is already stored. */
  record(r: ReviewRecord): boolean {
    const result = this.#sql.exec(
      `INSERT OR IGNORE INTO reviews (reviewer_run_id, worker_run_id, lane_id, cycle, verdict, summary, findings, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      r.reviewer_run_id,
      r.worker_run_id,
      r.lane_id,
      r.cycle,
      r.verdict,
      r.summary,
      JSON.stringify(r.findings),
      r.created_at,
    );
    return result.rowsWritten > 0;
  }

  ofLane(laneId: string): ReviewRecord[] {
    return (
      this.#sql
        .exec("SELECT * FROM reviews WHERE lane_id = ? ORDER BY created_at", laneId)
        .toArray() as (Omit<ReviewRecord, "findings"> & {
        findings: string;
      })[]
    ).map((r) => ({ ...r, findings: JSON.parse(r.findings) as Finding[] }));
  }
}
