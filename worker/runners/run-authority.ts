// What one runner may speak for, in its RunnerObject's SQLite: the runs the tenant handed to it,
// the runs it held until they ended lately (their late outputs still land), its current link (the
// connection that said hello last, its runner process and when it was last heard), and how many of
// its frames were ignored because they named a run it did not hold.

/** The link that holds the runner's name now. */
export interface CurrentLink {
  connection_id: string;
  /** Random per runner process (see the hello frame). */
  instance: string;
  /** Last time the runner said anything but a heartbeat (ms since epoch). */
  seen_ms: number;
}

export class RunAuthority {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openRunnerStorage (storage/runner-storage.ts). */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The tenant handed the run to this runner. */
  hold(runId: string): void {
    this.#sql.exec("INSERT OR REPLACE INTO held_runs (run_id, ended_ms) VALUES (?, NULL)", runId);
  }

  /**
   * The run is no longer this runner's: ended (`endedMs`: its late outputs land until the grace
   * period after it has passed), or taken back (null: requeued, or never delivered).
   */
  release(runId: string, endedMs: number | null, now: number, graceMs: number): void {
    this.#sql.exec("DELETE FROM held_runs WHERE ended_ms < ?", now - graceMs);
    if (endedMs === null) this.#sql.exec("DELETE FROM held_runs WHERE run_id = ?", runId);
    else this.#sql.exec("UPDATE held_runs SET ended_ms = ? WHERE run_id = ?", endedMs, runId);
  }

  /** Whether the runner holds the run now (not merely ended lately). */
  holds(runId: string): boolean {
    return (
      this.#sql.exec("SELECT 1 FROM held_runs WHERE run_id = ? AND ended_ms IS NULL", runId).toArray()
        .length > 0
    );
  }

  /** Whether the runner's outputs of the run land: it holds the run, or held it until `graceMs` ago. */
  speaksFor(runId: string, now: number, graceMs: number): boolean {
    return (
      this.#sql
        .exec(
          "SELECT 1 FROM held_runs WHERE run_id = ? AND (ended_ms IS NULL OR ended_ms >= ?)",
          runId,
          now - graceMs,
        )
        .toArray().length > 0
    );
  }

  /** Counts one more ignored frame; returns the count so far. */
  countIgnored(): number {
    return this.#sql
      .exec<{ frames: number }>(
        `INSERT INTO ignored_frames (id, frames) VALUES (1, 1)
         ON CONFLICT (id) DO UPDATE SET frames = frames + 1 RETURNING frames`,
      )
      .one().frames;
  }

  current(): CurrentLink | undefined {
    return this.#sql
      .exec<{ connection_id: string; instance: string; seen_ms: number }>(
        "SELECT connection_id, instance, seen_ms FROM runner_link WHERE id = 1",
      )
      .toArray()[0];
  }

  setCurrent(link: CurrentLink): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO runner_link (id, connection_id, instance, seen_ms) VALUES (1, ?, ?, ?)",
      link.connection_id,
      link.instance,
      link.seen_ms,
    );
  }

  touch(now: number): void {
    this.#sql.exec("UPDATE runner_link SET seen_ms = ? WHERE id = 1", now);
  }

  /** The current link is gone. */
  clearCurrent(): void {
    this.#sql.exec("DELETE FROM runner_link WHERE id = 1");
  }
}
