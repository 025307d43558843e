// TenantObject: one per tenant. Owns what spans runs: the run index behind list_runs, agent
// names, sessions and idempotency keys. Runs themselves live in their own objects.
import { Agent } from "agents";
import { SwitchyardError, badRequest } from "../errors.ts";
import type { Env } from "../env.ts";
import { newAgentName, newRunId, newSessionId } from "../runs/ids.ts";
import { newRunRecord, type SpawnRequest } from "../runs/spawn.ts";
import type { RunRecord } from "../runs/run-record.ts";
import type { RunStatus } from "../runs/status.ts";
import { decodeCursor, encodeCursor, type RunFilters } from "../runs/run-index.ts";
import { RUN_INDEX_SCHEMA, type RunIndexRow } from "../runs/run-index.ts";
import { runStub } from "./stubs.ts";

/** What a run's object reports when its status, summary or remote handle changes. */
export interface RunChange {
  run_id: string;
  status: RunStatus;
  last_seq: number;
  updated_at: string;
  summary: string;
  remote_ref: Record<string, string>;
}

export interface RunPage {
  runs: RunIndexRow[];
  next_cursor: string | null;
}

export class TenantObject extends Agent<Env> {
  #ready = false;

  #sql<T>(query: string, ...params: unknown[]): T[] {
    if (!this.#ready) {
      for (const stmt of RUN_INDEX_SCHEMA.split(";").map((s) => s.trim()).filter(Boolean)) this.ctx.storage.sql.exec(stmt);
      this.#ready = true;
    }
    // Rows are plain column values; the caller names their shape.
    return this.ctx.storage.sql.exec(query, ...params).toArray() as T[];
  }

  /**
   * Creates a run: settles idempotency, the session and the agent name atomically (no await
   * before the rows are written), then creates the run's object.
   */
  async spawn(req: SpawnRequest, secrets: Record<string, unknown>): Promise<RunRecord> {
    const tenant = this.name;
    if (req.idempotency_key) {
      const prior = this.#sql<{ run_id: string; fingerprint: string }>(
        "SELECT run_id, fingerprint FROM idempotency WHERE key = ?",
        req.idempotency_key,
      )[0];
      if (prior) {
        if (prior.fingerprint !== req.fingerprint) {
          throw new SwitchyardError("conflict", "idempotency_key: already used for a spawn_run with different arguments", {
            field: "idempotency_key",
          });
        }
        return this.#existing(tenant, prior.run_id);
      }
    }
    if (req.parent_run_id && !this.#row(req.parent_run_id)) {
      throw new SwitchyardError("not_found", `parent_run_id: no run "${req.parent_run_id}"`, { field: "parent_run_id" });
    }

    const { session_id, agent_name, session_ref } = this.#settleSession(req);
    const now = new Date();
    const run_id = newRunId(now.getTime());
    const record = newRunRecord(req, { tenant, run_id, session_id, agent_name, session_ref, now: now.toISOString() });

    this.#sql(
      `INSERT INTO runs (run_id, created_ms, created_at, updated_at, status, backend, role, agent_name, session_id,
         parent_run_id, cwd, summary, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0)`,
      run_id, now.getTime(), record.created_at, record.updated_at, record.status, record.backend, record.role,
      agent_name, session_id, record.parent_run_id, record.cwd,
    );
    this.#sql(
      `INSERT INTO sessions (session_id, backend, agent_name, ref, latest_run_id) VALUES (?, ?, ?, '{}', ?)
       ON CONFLICT (session_id) DO UPDATE SET latest_run_id = excluded.latest_run_id`,
      session_id, record.backend, agent_name, run_id,
    );
    this.#sql(
      `INSERT INTO agents (agent_name, session_id, latest_run_id) VALUES (?, ?, ?)
       ON CONFLICT (agent_name) DO UPDATE SET latest_run_id = excluded.latest_run_id, session_id = excluded.session_id`,
      agent_name, session_id, run_id,
    );
    if (req.idempotency_key) {
      this.#sql("INSERT INTO idempotency (key, run_id, fingerprint) VALUES (?, ?, ?)", req.idempotency_key, run_id, req.fingerprint);
    }

    const created = await (await runStub(this.env, tenant, run_id)).create(record, secrets);
    if (record.parent_run_id) await (await runStub(this.env, tenant, record.parent_run_id)).addChild(run_id);
    return created;
  }

  /** The newest run of an agent, for tools called with `agent_name` instead of `run_id`. */
  latestRunOf(agentName: string): string | null {
    return this.#sql<{ latest_run_id: string }>("SELECT latest_run_id FROM agents WHERE agent_name = ?", agentName)[0]?.latest_run_id ?? null;
  }

  hasRun(runId: string): boolean {
    return this.#row(runId) !== undefined;
  }

  listRuns(filters: RunFilters, limit: number, cursor: string | undefined): RunPage {
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
    const rows = this.#sql<RunIndexRow & { created_ms: number }>(
      `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_ms DESC, run_id DESC LIMIT ?`,
      ...params,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      runs: page.map(({ created_ms: _, ...row }) => row),
      next_cursor: rows.length > limit && last ? encodeCursor({ created_ms: last.created_ms, run_id: last.run_id }) : null,
    };
  }

  /** Called by run objects; an older report than the one stored is ignored. */
  runChanged(change: RunChange): void {
    this.#sql(
      `UPDATE runs SET status = ?, last_seq = ?, updated_at = ?, summary = ? WHERE run_id = ? AND last_seq <= ?`,
      change.status, change.last_seq, change.updated_at, change.summary, change.run_id, change.last_seq,
    );
    if (Object.keys(change.remote_ref).length) {
      this.#sql(
        `UPDATE sessions SET ref = ? WHERE session_id = (SELECT session_id FROM runs WHERE run_id = ?) AND latest_run_id = ?`,
        JSON.stringify(change.remote_ref), change.run_id, change.run_id,
      );
    }
  }

  #row(runId: string): RunIndexRow | undefined {
    return this.#sql<RunIndexRow>("SELECT * FROM runs WHERE run_id = ?", runId)[0];
  }

  async #existing(tenant: string, runId: string): Promise<RunRecord> {
    const record = await (await runStub(this.env, tenant, runId)).getRecord();
    if (!record) throw new SwitchyardError("internal", `run ${runId} is indexed but has no record`);
    return record;
  }

  /** Picks the session and agent name of a new run, per session_mode. */
  #settleSession(req: SpawnRequest): { session_id: string; agent_name: string; session_ref?: Record<string, string> } {
    if (req.session_mode === "resume") {
      const session = this.#sql<{ backend: string; agent_name: string; ref: string }>(
        "SELECT backend, agent_name, ref FROM sessions WHERE session_id = ?",
        req.session_id!,
      )[0];
      if (!session) throw new SwitchyardError("not_found", `session_id: no session "${req.session_id}"`, { field: "session_id" });
      if (session.backend !== req.backend) {
        throw badRequest("session_id", `session "${req.session_id}" belongs to backend ${session.backend}, not ${req.backend}`);
      }
      if (req.agent_name && req.agent_name !== session.agent_name) {
        throw badRequest("agent_name", `session "${req.session_id}" belongs to agent "${session.agent_name}"`);
      }
      return { session_id: req.session_id!, agent_name: session.agent_name, session_ref: JSON.parse(session.ref) };
    }
    let agent_name = req.agent_name;
    if (agent_name) {
      const taken = this.#sql<{ session_id: string }>("SELECT session_id FROM agents WHERE agent_name = ?", agent_name)[0];
      if (taken) {
        throw new SwitchyardError(
          "conflict",
          `agent_name: "${agent_name}" is already taken; choose another or pass session_mode "resume" with session_id "${taken.session_id}"`,
          { field: "agent_name" },
        );
      }
    } else {
      do agent_name = newAgentName(req.role);
      while (this.#sql("SELECT 1 FROM agents WHERE agent_name = ?", agent_name).length);
    }
    return { session_id: newSessionId(), agent_name };
  }
}
