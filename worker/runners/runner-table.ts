// The tenant's runner registry in SQLite: connected (or recently gone) runners as placement sees
// them, the runner-backed runs, queued (runner_name NULL) or held by a runner, and the last holder
// of each recently ended run. Each runner's link itself lives in its RunnerObject.
import { ProbedBackendSchema, type ProbedBackend } from "../../shared/protocol/frames.ts";
import type { RunnerInfo, RunnerPick } from "./placement.ts";

export interface RunnerRow {
  name: string;
  connection_id: string | null;
  version: string;
  labels: Record<string, string>;
  max_runs: number;
  backends: ProbedBackend[];
  /** Absolute, normalised directories it takes runs in. */
  roots: string[];
  /** Random per runner process (see the hello frame). */
  instance: string;
  /** When the runner last said hello (ms since epoch). */
  seen_ms: number;
  gone_since_ms: number | null;
}

type RawRunner = Omit<RunnerRow, "labels" | "backends" | "roots"> & {
  labels: string;
  backends: string;
  roots: string;
};

export class RunnerTable {
  readonly #sql: SqlStorage;
  readonly #changed: () => void;

  /**
   * `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables;
   * `changed` hears of every change to a runner or its load (the dashboard's feed).
   */
  constructor(sql: SqlStorage, changed: () => void = () => {}) {
    this.#sql = sql;
    this.#changed = changed;
  }

  #rows<T>(query: string, ...params: unknown[]): T[] {
    return this.#sql.exec(query, ...params).toArray() as T[];
  }

  upsertRunner(row: Omit<RunnerRow, "gone_since_ms">): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO runners (name, connection_id, version, labels, max_runs, backends, seen_ms, gone_since_ms, roots, instance)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      row.name,
      row.connection_id,
      row.version,
      JSON.stringify(row.labels),
      row.max_runs,
      JSON.stringify(row.backends),
      row.seen_ms,
      JSON.stringify(row.roots),
      row.instance,
    );
    this.#changed();
  }

  runner(name: string): RunnerRow | undefined {
    return this.#rows<RawRunner>("SELECT * FROM runners WHERE name = ?", name).map(parseRunner)[0];
  }

  allRunners(): RunnerRow[] {
    return this.#rows<RawRunner>("SELECT * FROM runners ORDER BY name").map(parseRunner);
  }

  markGone(name: string, now: number): void {
    this.#sql.exec("UPDATE runners SET connection_id = NULL, gone_since_ms = ? WHERE name = ?", now, name);
    this.#changed();
  }

  deleteRunner(name: string): void {
    this.#sql.exec("DELETE FROM runners WHERE name = ?", name);
    // Frames were counted here before each runner had its object (which counts them now).
    this.#sql.exec("DELETE FROM runner_ignored WHERE name = ?", name);
    this.#changed();
  }

  /** Connected runners with their current load, for placement. */
  connected(): RunnerInfo[] {
    return this.#rows<RawRunner & { active: number }>(
      `SELECT r.*, (SELECT COUNT(*) FROM runner_runs rr WHERE rr.runner_name = r.name) AS active
       FROM runners r WHERE r.connection_id IS NOT NULL`,
    ).map((raw) => ({ ...parseRunner(raw), active: raw.active }));
  }

  enqueue(runId: string, pick: RunnerPick, now: number): void {
    this.#sql.exec(
      "INSERT OR IGNORE INTO runner_runs (run_id, pick, queued_ms, runner_name) VALUES (?, ?, ?, NULL)",
      runId,
      JSON.stringify(pick),
      now,
    );
  }

  queued(): { run_id: string; pick: RunnerPick }[] {
    return this.#rows<{ run_id: string; pick: string }>(
      "SELECT run_id, pick FROM runner_runs WHERE runner_name IS NULL ORDER BY queued_ms",
    ).map((r) => ({ run_id: r.run_id, pick: JSON.parse(r.pick) as RunnerPick }));
  }

  assign(runId: string, runner: string | null): void {
    this.#sql.exec("UPDATE runner_runs SET runner_name = ? WHERE run_id = ?", runner, runId);
    this.#changed();
  }

  runnerOf(runId: string): string | null | undefined {
    return this.#rows<{ runner_name: string | null }>(
      "SELECT runner_name FROM runner_runs WHERE run_id = ?",
      runId,
    )[0]?.runner_name;
  }

  runsOf(runner: string): string[] {
    return this.#rows<{ run_id: string }>("SELECT run_id FROM runner_runs WHERE runner_name = ?", runner).map(
      (r) => r.run_id,
    );
  }

  /** The run leaves the table; whoever held it is forgotten (it never got it, or it was requeued). */
  release(runId: string): void {
    this.#sql.exec("DELETE FROM runner_runs WHERE run_id = ?", runId);
    this.#changed();
  }

  /**
   * The run ended: it leaves the table, and its holder is remembered until `now + keepMs` as the
   * one runner whose late outputs still reach it. Older memories are dropped here.
   */
  end(runId: string, now: number, keepMs: number): void {
    this.#sql.exec("DELETE FROM runner_ended WHERE ended_ms < ?", now - keepMs);
    this.#sql.exec(
      `INSERT OR REPLACE INTO runner_ended (run_id, runner_name, ended_ms)
       SELECT run_id, runner_name, ? FROM runner_runs WHERE run_id = ? AND runner_name IS NOT NULL`,
      now,
      runId,
    );
    this.release(runId);
  }

  /** The runner that held the run when it ended, if that was less than `keepMs` before `now`. */
  endedHolder(runId: string, now: number, keepMs: number): string | undefined {
    return this.#rows<{ runner_name: string }>(
      "SELECT runner_name FROM runner_ended WHERE run_id = ? AND ended_ms >= ?",
      runId,
      now - keepMs,
    )[0]?.runner_name;
  }
}

function parseRunner(raw: RawRunner): RunnerRow {
  return {
    ...raw,
    labels: JSON.parse(raw.labels) as Record<string, string>,
    backends: ProbedBackendSchema.array().parse(JSON.parse(raw.backends)),
    roots: JSON.parse(raw.roots) as string[],
  };
}
