// TenantObject: one per tenant. Owns what spans runs: the run index behind list_runs, agent
// names, sessions and idempotency keys. Runs themselves live in their own objects.
import { Agent, type Connection, type WSMessage } from "agents";
import { SwitchyardError, outcome, type Outcome, badRequest } from "../errors.ts";
import type { Env } from "../env.ts";
import { newAgentName, newRunId, newSessionId } from "../runs/ids.ts";
import { newRunRecord, type SpawnRequest } from "../runs/spawn.ts";
import type { RunRecord } from "../runs/run-record.ts";
import type { RunStatus } from "../runs/status.ts";
import { decodeCursor, encodeCursor, type RunFilters } from "../runs/run-index.ts";
import { RUN_INDEX_SCHEMA, type RunIndexRow } from "../runs/run-index.ts";
import { resolveBackend } from "../backends/registry.ts";
import { PING_TEXT, PONG_TEXT, RunnerFrameSchema, CLOSE_CODES } from "../protocol/frames.ts";
import { RunnerHub } from "../runners/hub.ts";
import { RunnerTable } from "../runners/runner-table.ts";
import type { InputMessage } from "../runs/messages.ts";
import { isTerminal } from "../runs/status.ts";
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

const seconds = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export class TenantObject extends Agent<Env> {
  #ready = false;
  #runnerHub: RunnerHub | undefined;

  /** The runner hub, built on first use with this object's storage and sockets. */
  get #hub(): RunnerHub {
    this.#runnerHub ??= new RunnerHub({
      table: new RunnerTable(this.ctx.storage.sql),
      tenant: this.name,
      send: (id, frame) => {
        const connection = this.getConnection(id);
        if (!connection) return false;
        connection.send(JSON.stringify(frame));
        return true;
      },
      close: (id, { code }, reason) => this.getConnection(id)?.close(code, reason),
      run: (runId) => runStub(this.env, this.name, runId),
      now: () => Date.now(),
      heartbeatMs: seconds(this.env.SWITCHYARD_RUNNER_HEARTBEAT_S, 15) * 1000,
      graceMs: seconds(this.env.SWITCHYARD_RUNNER_GRACE_S, 60) * 1000,
      scheduleExpiry: async (ms) => {
        await this.schedule(Math.ceil(ms / 1000) + 1, "expireRunners");
      },
    });
    return this.#runnerHub;
  }

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
  spawn(req: SpawnRequest, secrets: Record<string, unknown>): Promise<Outcome<RunRecord>> {
    return outcome(async () => {
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

      const { session_id, agent_name, session_ref, previous_run_id } = this.#settleSession(req);
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

      const checkpoint = previous_run_id ? await (await runStub(this.env, tenant, previous_run_id)).sessionCheckpoint() : undefined;
      const created = await (await runStub(this.env, tenant, run_id)).create(record, secrets, checkpoint);
      if (record.parent_run_id) await (await runStub(this.env, tenant, record.parent_run_id)).addChild(run_id);
      if (resolveBackend(record.backend).placement === "runner") {
        const { runner, runner_labels } = req.config as { runner?: string; runner_labels?: Record<string, string> };
        await this.#hub.enqueue(run_id, { backend: record.backend, runner, runner_labels });
      }
      return created;
    });
  }

  /** The newest run of an agent, for tools called with `agent_name` instead of `run_id`. */
  latestRunOf(agentName: string): Promise<Outcome<string | null>> {
    return outcome(() => {
      return this.#sql<{ latest_run_id: string }>("SELECT latest_run_id FROM agents WHERE agent_name = ?", agentName)[0]?.latest_run_id ?? null;
    });
  }

  hasRun(runId: string): Promise<Outcome<boolean>> {
    return outcome(() => {
      return this.#row(runId) !== undefined;
    });
  }

  listRuns(filters: RunFilters, limit: number, cursor: string | undefined): Promise<Outcome<RunPage>> {
    return outcome(() => {
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
    });
  }

  /** Called by run objects; an older report than the one stored is ignored. */
  runChanged(change: RunChange): Promise<Outcome<void>> {
    return outcome(async () => {
      if (isTerminal(change.status)) {
        // A runner still working on a run that ended here (cancelled, timed out) is told to stop.
        this.#hub.cancel(change.run_id);
        await this.#hub.release(change.run_id);
      }
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
    });
  }

  /** Forwards a live follow-up to the runner holding the run; false when no runner holds it. */
  hubContinue(runId: string, message: InputMessage): Promise<Outcome<boolean>> {
    return outcome(() => {
      return this.#hub.continueRun(runId, message);
    });
  }

  // ── runner links (WebSocket Hibernation API through Agent) ──────────────────────────────

  override onStart(): void {
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_TEXT, PONG_TEXT));
  }

  /** Runner links speak only the Switchyard protocol, none of Agent's own messages. */
  override shouldSendProtocolMessages(): boolean {
    return false;
  }

  override async onConnect(): Promise<void> {
    if (!(await this.listSchedules()).some((s) => s.callback === "sweepRunners")) {
      await this.scheduleEvery(seconds(this.env.SWITCHYARD_RUNNER_HEARTBEAT_S, 15), "sweepRunners");
    }
  }

  override async onMessage(connection: Connection, message: WSMessage): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      raw = undefined;
    }
    const frame = RunnerFrameSchema.safeParse(raw);
    if (!frame.success) {
      connection.close(CLOSE_CODES.bad_frame.code, `bad frame: ${frame.error.issues[0]?.message ?? "not JSON"}`.slice(0, 120));
      return;
    }
    await this.#hub.onFrame(connection.id, frame.data);
  }

  override async onClose(connection: Connection): Promise<void> {
    await this.#hub.onClose(connection.id);
  }

  /** Scheduled: runners gone longer than the grace period lose their runs. */
  async expireRunners(): Promise<void> {
    await this.#hub.expireRunners();
  }

  /** Scheduled every heartbeat while runners are connected. */
  async sweepRunners(): Promise<void> {
    await this.#hub.sweepStale((id) => {
      const connection = this.getConnection(id);
      return connection ? (this.ctx.getWebSocketAutoResponseTimestamp(connection)?.getTime() ?? null) : null;
    });
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
  #settleSession(req: SpawnRequest): {
    session_id: string;
    agent_name: string;
    session_ref?: Record<string, string>;
    previous_run_id?: string;
  } {
    if (req.session_mode === "resume") {
      const session = this.#sql<{ backend: string; agent_name: string; ref: string; latest_run_id: string }>(
        "SELECT backend, agent_name, ref, latest_run_id FROM sessions WHERE session_id = ?",
        req.session_id!,
      )[0];
      if (!session) throw new SwitchyardError("not_found", `session_id: no session "${req.session_id}"`, { field: "session_id" });
      if (session.backend !== req.backend) {
        throw badRequest("session_id", `session "${req.session_id}" belongs to backend ${session.backend}, not ${req.backend}`);
      }
      if (req.agent_name && req.agent_name !== session.agent_name) {
        throw badRequest("agent_name", `session "${req.session_id}" belongs to agent "${session.agent_name}"`);
      }
      return {
        session_id: req.session_id!,
        agent_name: session.agent_name,
        session_ref: JSON.parse(session.ref),
        previous_run_id: session.latest_run_id,
      };
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
