// The tenant's run index in SQLite: every run's row (status, lineage, lane, usage totals), sessions,
// agent names, idempotency keys and run-tree limits. list_runs pages and metrics read these rows;
// no run log is read here.
import { z } from "zod";
import { SwitchyardError, badRequest } from "../../shared/errors.ts";
import type { Limits } from "../budgets/limits.ts";
import { newAgentName, newSessionId } from "./ids.ts";
import type { UsageTotals } from "./run-record.ts";
import type { SpawnRequest } from "./spawn.ts";
import { RunStatusSchema, isTerminal, type RunStatus } from "../../shared/runs/status.ts";
import { USAGE_SUMS, type UsageSum } from "../../shared/runs/usage.ts";

/** SQL type of each usage sum's column: whole counts, and the cost in USD. */
const usageColumnType = (field: UsageSum) => (field === "cost_usd" ? "REAL" : "INTEGER");

/** One row of list_runs, its fields in the order the index selects them. */
export const RunRowSchema = z.object({
  run_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  status: RunStatusSchema,
  backend: z.string(),
  role: z.string(),
  agent_name: z.string(),
  session_id: z.string(),
  parent_run_id: z.string().nullable(),
  lane_id: z.string().nullable(),
  cwd: z.string().nullable(),
  summary: z.string(),
  last_seq: z.number(),
});
export type RunIndexRow = z.infer<typeof RunRowSchema>;

/** The columns list_runs shows, in order. */
const RUN_ROW_COLUMNS = Object.keys(RunRowSchema.shape).join(", ");

/** Equality filters of list_runs; the keys are column names of the index. */
export interface RunFilters {
  status?: RunStatus;
  backend?: string;
  role?: string;
  agent_name?: string;
  parent_run_id?: string;
  lane_id?: string;
  cwd?: string;
}

interface CursorPosition {
  created_ms: number;
  run_id: string;
}

export const encodeCursor = (at: CursorPosition): string =>
  btoa(JSON.stringify([at.created_ms, at.run_id])).replace(/=+$/, "");

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const [created_ms, run_id] = JSON.parse(atob(cursor)) as unknown[];
    if (typeof created_ms === "number" && typeof run_id === "string") return { created_ms, run_id };
  } catch {
    // Falls through to the error below: any undecodable cursor is the caller's mistake.
  }
  throw badRequest("cursor", "expected a cursor returned by an earlier list_runs call");
}

/**
 * What a run's object reports when its status, summary, usage or remote handle changes: its
 * latest state, as `version` (counted up by the run for each change; delivered at least once).
 */
export interface RunChange {
  run_id: string;
  version: number;
  status: RunStatus;
  last_seq: number;
  updated_at: string;
  summary: string;
  remote_ref: Record<string, string>;
  usage: UsageTotals;
  started_at: string | null;
  completed_at: string | null;
  /** Switchyard ended the run (cancel, timeout, budget, runner loss): its runner must stop it. */
  halt_runner: boolean;
}

export interface RunPage {
  runs: RunIndexRow[];
  next_cursor: string | null;
}

/** The session and agent name a new run gets. */
export interface SettledSession {
  session_id: string;
  agent_name: string;
  session_ref?: Record<string, string>;
  previous_run_id?: string;
}

/** A new run's row: what list_runs shows that is known at spawn, plus its place in the run tree. */
export type NewIndexRow = Omit<RunIndexRow, "updated_at" | "summary" | "last_seq"> & {
  created_ms: number;
  root_run_id: string;
};

export class RunIndex {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  #rows<T>(query: string, ...params: unknown[]): T[] {
    return this.#sql.exec(query, ...params).toArray() as T[];
  }

  row(runId: string): (RunIndexRow & { root_run_id: string; end_handled: number }) | undefined {
    return this.#rows<RunIndexRow & { root_run_id: string; end_handled: number }>(
      `SELECT ${RUN_ROW_COLUMNS}, root_run_id, end_handled FROM runs WHERE run_id = ?`,
      runId,
    )[0];
  }

  /** The run an idempotency key was used for, whatever its arguments. */
  runOfKey(key: string): string | undefined {
    return this.#rows<{ run_id: string }>("SELECT run_id FROM idempotency WHERE key = ?", key)[0]?.run_id;
  }

  /** The run an idempotency key already made; a conflict when the arguments differ. */
  idempotent(key: string, fingerprint: string): string | undefined {
    const prior = this.#rows<{ run_id: string; fingerprint: string }>(
      "SELECT run_id, fingerprint FROM idempotency WHERE key = ?",
      key,
    )[0];
    if (prior && prior.fingerprint !== fingerprint) {
      throw new SwitchyardError(
        "conflict",
        "idempotency_key: already used for a spawn_run with different arguments",
        {
          field: "idempotency_key",
        },
      );
    }
    return prior?.run_id;
  }

  /** Picks the session and agent name of a new run, per session_mode. */
  settleSession(req: SpawnRequest): SettledSession {
    if (req.session_mode === "resume") {
      const session = this.#rows<{ backend: string; agent_name: string; ref: string; latest_run_id: string }>(
        "SELECT backend, agent_name, ref, latest_run_id FROM sessions WHERE session_id = ?",
        req.session_id!,
      )[0];
      if (!session)
        throw new SwitchyardError("not_found", `session_id: no session "${req.session_id}"`, {
          field: "session_id",
        });
      if (session.backend !== req.backend) {
        throw badRequest(
          "session_id",
          `session "${req.session_id}" belongs to backend ${session.backend}, not ${req.backend}`,
        );
      }
      if (req.agent_name && req.agent_name !== session.agent_name) {
        throw badRequest(
          "agent_name",
          `session "${req.session_id}" belongs to agent "${session.agent_name}"`,
        );
      }
      return {
        session_id: req.session_id!,
        agent_name: session.agent_name,
        session_ref: JSON.parse(session.ref) as Record<string, string>,
        previous_run_id: session.latest_run_id,
      };
    }
    let agent_name = req.agent_name;
    if (agent_name) {
      const taken = this.#rows<{ session_id: string }>(
        "SELECT session_id FROM agents WHERE agent_name = ?",
        agent_name,
      )[0];
      if (taken) {
        throw new SwitchyardError(
          "conflict",
          `agent_name: "${agent_name}" is already taken; choose another or pass session_mode "resume" with session_id "${taken.session_id}"`,
          { field: "agent_name" },
        );
      }
    } else {
      do agent_name = newAgentName(req.role);
      while (this.#rows("SELECT 1 FROM agents WHERE agent_name = ?", agent_name).length);
    }
    return { session_id: newSessionId(), agent_name };
  }

  /** Writes the new run's rows: index, session, agent name, idempotency key, tree limits. */
  insert(
    row: NewIndexRow,
    idempotencyKey: string | undefined,
    fingerprint: string,
    treeLimits: Limits,
  ): void {
    this.#sql.exec(
      `INSERT INTO runs (run_id, created_ms, created_at, updated_at, status, backend, role, agent_name, session_id,
         parent_run_id, root_run_id, lane_id, cwd, summary, last_seq, day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?)`,
      row.run_id,
      row.created_ms,
      row.created_at,
      row.created_at,
      row.status,
      row.backend,
      row.role,
      row.agent_name,
      row.session_id,
      row.parent_run_id,
      row.root_run_id,
      row.lane_id,
      row.cwd,
      row.created_at.slice(0, 10),
    );
    this.#sql.exec(
      `INSERT INTO sessions (session_id, backend, agent_name, ref, latest_run_id) VALUES (?, ?, ?, '{}', ?)
       ON CONFLICT (session_id) DO UPDATE SET latest_run_id = excluded.latest_run_id`,
      row.session_id,
      row.backend,
      row.agent_name,
      row.run_id,
    );
    this.#sql.exec(
      `INSERT INTO agents (agent_name, session_id, latest_run_id) VALUES (?, ?, ?)
       ON CONFLICT (agent_name) DO UPDATE SET latest_run_id = excluded.latest_run_id, session_id = excluded.session_id`,
      row.agent_name,
      row.session_id,
      row.run_id,
    );
    if (idempotencyKey) {
      this.#sql.exec(
        "INSERT INTO idempotency (key, run_id, fingerprint) VALUES (?, ?, ?)",
        idempotencyKey,
        row.run_id,
        fingerprint,
      );
    }
    // A tree's limits are set by its root and only ever tightened by runs spawned into it.
    this.#sql.exec(
      `INSERT INTO trees (root_run_id, max_runs, token_budget) VALUES (?, ?, ?)
       ON CONFLICT (root_run_id) DO UPDATE SET max_runs = MIN(max_runs, excluded.max_runs),
         token_budget = MIN(token_budget, excluded.token_budget)`,
      row.root_run_id,
      treeLimits.max_tree_runs,
      treeLimits.tree_token_budget,
    );
  }

  latestRunOf(agentName: string): string | null {
    return (
      this.#rows<{ latest_run_id: string }>(
        "SELECT latest_run_id FROM agents WHERE agent_name = ?",
        agentName,
      )[0]?.latest_run_id ?? null
    );
  }

  list(filters: RunFilters, limit: number, cursor: string | undefined): RunPage {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [column, value] of Object.entries(filters)) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    if (cursor) {
      const at = decodeCursor(cursor);
      where.push("(created_ms < ? OR (created_ms = ? AND run_id < ?))");
      params.push(at.created_ms, at.created_ms, at.run_id);
    }
    const rows = this.#rows<RunIndexRow & { created_ms: number }>(
      `SELECT ${RUN_ROW_COLUMNS}, created_ms FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_ms DESC, run_id DESC LIMIT ?`,
      ...params,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      runs: page.map(({ created_ms: _, ...row }) => row),
      next_cursor:
        rows.length > limit && last
          ? encodeCursor({ created_ms: last.created_ms, run_id: last.run_id })
          : null,
    };
  }

  /** Applies a run's report; one whose version is not newer than the stored one changes nothing. */
  applyChange(c: RunChange): void {
    const duration =
      c.started_at && c.completed_at ? Date.parse(c.completed_at) - Date.parse(c.started_at) : null;
    const u = c.usage;
    const applied = this.#sql.exec(
      `UPDATE runs SET status = ?, terminal = ?, last_seq = ?, updated_at = ?, summary = ?, model = COALESCE(?, model),
         ${USAGE_SUMS.map((f) => `${f} = ?`).join(", ")}, duration_ms = ?, change_version = ?
       WHERE run_id = ? AND change_version < ?`,
      c.status,
      isTerminal(c.status) ? 1 : 0,
      c.last_seq,
      c.updated_at,
      c.summary,
      u.model ?? null,
      // cost_usd is absent until a turn has a cost; the column holds 0 then, so sums add up.
      ...USAGE_SUMS.map((f) => u[f] ?? 0),
      duration,
      c.version,
      c.run_id,
      c.version,
    );
    if (applied.rowsWritten > 0 && Object.keys(c.remote_ref).length) {
      this.#sql.exec(
        `UPDATE sessions SET ref = ? WHERE session_id = (SELECT session_id FROM runs WHERE run_id = ?) AND latest_run_id = ?`,
        JSON.stringify(c.remote_ref),
        c.run_id,
        c.run_id,
      );
    }
  }

  /** Records that what the run's end sets off on the tenant has all happened. */
  markEndHandled(runId: string): void {
    this.#sql.exec("UPDATE runs SET end_handled = 1 WHERE run_id = ?", runId);
  }

  /**
   * A run of the lane that is live or whose end has not been handled yet (its review loop may
   * still start work in the lane), other than `except`; undefined when the lane is idle. A run
   * that ended before changes were versioned (change_version 0) never had its end marked handled.
   */
  unsettledInLane(laneId: string, except = ""): string | undefined {
    return this.#rows<{ run_id: string }>(
      `SELECT run_id FROM runs WHERE lane_id = ? AND run_id != ?
         AND (terminal = 0 OR (end_handled = 0 AND change_version > 0)) LIMIT 1`,
      laneId,
      except,
    )[0]?.run_id;
  }

  /** A live run of the lane, if any. */
  liveInLane(laneId: string): string | undefined {
    return this.#rows<{ run_id: string }>(
      "SELECT run_id FROM runs WHERE lane_id = ? AND terminal = 0 LIMIT 1",
      laneId,
    )[0]?.run_id;
  }

  liveRuns(): number {
    return this.#rows<{ n: number }>("SELECT COUNT(*) AS n FROM runs WHERE terminal = 0")[0]!.n;
  }

  /** A run tree's limits and what it has used so far. */
  tree(
    rootRunId: string,
  ): { max_runs: number; token_budget: number; runs: number; tokens: number } | undefined {
    return this.#rows<{ max_runs: number; token_budget: number; runs: number; tokens: number }>(
      `SELECT t.max_runs, t.token_budget,
         (SELECT COUNT(*) FROM runs WHERE root_run_id = t.root_run_id) AS runs,
         (SELECT COALESCE(SUM(total_tokens), 0) FROM runs WHERE root_run_id = t.root_run_id) AS tokens
       FROM trees t WHERE t.root_run_id = ?`,
      rootRunId,
    )[0];
  }

  liveRunsOfTree(rootRunId: string): string[] {
    return this.#rows<{ run_id: string }>(
      "SELECT run_id FROM runs WHERE root_run_id = ? AND terminal = 0",
      rootRunId,
    ).map((r) => r.run_id);
  }
}
