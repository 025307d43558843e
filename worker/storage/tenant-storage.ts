// The TenantObject's SQLite schema as its history: the run index (runs, sessions, agent names,
// idempotency keys, run trees), the runner registry, review state, lanes and their queues, agent
// inboxes and the default notify migrate together under one version. Each step is the DDL as it
// shipped; a change to a table is a new step at the end.
import { migrate, type MigratingStorage, type Schema } from "./migrate.ts";

export const TENANT_SCHEMA: Schema = {
  name: "tenant",
  steps: [
    // 1. The tables as the first versioned release found them.
    `CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL, status TEXT NOT NULL, backend TEXT NOT NULL, role TEXT NOT NULL, agent_name TEXT NOT NULL,
       session_id TEXT NOT NULL, parent_run_id TEXT, root_run_id TEXT NOT NULL, lane_id TEXT, cwd TEXT, summary TEXT NOT NULL,
       last_seq INTEGER NOT NULL, terminal INTEGER NOT NULL DEFAULT 0, day TEXT NOT NULL, model TEXT,
       input_tokens INTEGER NOT NULL DEFAULT 0, cached_input_tokens INTEGER NOT NULL DEFAULT 0,
       output_tokens INTEGER NOT NULL DEFAULT 0, reasoning_tokens INTEGER NOT NULL DEFAULT 0,
       total_tokens INTEGER NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0, unpriced_tokens INTEGER NOT NULL DEFAULT 0,
       turns INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER);
     CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_ms DESC, run_id DESC);
     CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_ms DESC, run_id DESC);
     CREATE INDEX IF NOT EXISTS runs_by_backend ON runs (backend, created_ms DESC, run_id DESC);
     CREATE INDEX IF NOT EXISTS runs_by_role ON runs (role, created_ms DESC, run_id DESC);
     CREATE INDEX IF NOT EXISTS runs_by_agent ON runs (agent_name, created_ms DESC, run_id DESC);
     CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_run_id, created_ms DESC, run_id DESC);
     CREATE INDEX IF NOT EXISTS runs_by_cwd ON runs (cwd, created_ms DESC, run_id DESC);
     CREATE INDEX IF NOT EXISTS runs_by_lane ON runs (lane_id, created_ms DESC, run_id DESC);
     CREATE INDEX IF NOT EXISTS runs_by_root ON runs (root_run_id, created_ms DESC);
     CREATE INDEX IF NOT EXISTS runs_live ON runs (terminal, root_run_id);
     CREATE TABLE IF NOT EXISTS sessions (session_id TEXT PRIMARY KEY, backend TEXT NOT NULL, agent_name TEXT NOT NULL,
       ref TEXT NOT NULL, latest_run_id TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS agents (agent_name TEXT PRIMARY KEY, session_id TEXT NOT NULL, latest_run_id TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, run_id TEXT NOT NULL, fingerprint TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS trees (root_run_id TEXT PRIMARY KEY, max_runs INTEGER NOT NULL, token_budget INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS runners (name TEXT PRIMARY KEY, connection_id TEXT, version TEXT NOT NULL, labels TEXT NOT NULL,
       max_runs INTEGER NOT NULL, backends TEXT NOT NULL, seen_ms INTEGER NOT NULL, gone_since_ms INTEGER);
     CREATE TABLE IF NOT EXISTS runner_runs (run_id TEXT PRIMARY KEY, pick TEXT NOT NULL, queued_ms INTEGER NOT NULL, runner_name TEXT);
     CREATE INDEX IF NOT EXISTS runner_runs_by_runner ON runner_runs (runner_name, queued_ms);
     CREATE TABLE IF NOT EXISTS review_policies (run_id TEXT PRIMARY KEY, policy TEXT NOT NULL, cycle INTEGER NOT NULL,
       reviewer_run_id TEXT);
     CREATE TABLE IF NOT EXISTS reviews (reviewer_run_id TEXT PRIMARY KEY, worker_run_id TEXT NOT NULL, lane_id TEXT,
       cycle INTEGER NOT NULL, verdict TEXT, summary TEXT NOT NULL, findings TEXT NOT NULL, created_at TEXT NOT NULL);
     CREATE INDEX IF NOT EXISTS reviews_by_worker ON reviews (worker_run_id);
     CREATE INDEX IF NOT EXISTS reviews_by_lane ON reviews (lane_id, created_at);
     CREATE TABLE IF NOT EXISTS lanes (lane_id TEXT PRIMARY KEY, doc TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL)`,
    // 2. Runners report the roots they take runs in, and a random id per runner process.
    `ALTER TABLE runners ADD COLUMN roots TEXT NOT NULL DEFAULT '[]';
     ALTER TABLE runners ADD COLUMN instance TEXT NOT NULL DEFAULT ''`,
    // 3. Run changes arrive versioned (the version last applied), and a run's end is set off once.
    `ALTER TABLE runs ADD COLUMN change_version INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE runs ADD COLUMN end_handled INTEGER NOT NULL DEFAULT 0`,
    // 4. The last holder of a recently ended run (its late outputs still land), and frames ignored per runner.
    `CREATE TABLE IF NOT EXISTS runner_ended (run_id TEXT PRIMARY KEY, runner_name TEXT NOT NULL, ended_ms INTEGER NOT NULL);
     CREATE INDEX IF NOT EXISTS runner_ended_by_time ON runner_ended (ended_ms);
     CREATE TABLE IF NOT EXISTS runner_ignored (name TEXT PRIMARY KEY, frames INTEGER NOT NULL)`,
    // 5. Agent-to-agent messages: each agent's inbox, unread until fetched (or taken by a continued run).
    `CREATE TABLE IF NOT EXISTS agent_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE,
       to_agent_name TEXT NOT NULL, to_session_id TEXT NOT NULL, from_agent_name TEXT, from_session_id TEXT,
       created_at TEXT NOT NULL, body TEXT NOT NULL, metadata TEXT NOT NULL, bytes INTEGER NOT NULL,
       delivery TEXT NOT NULL, delivered_at TEXT);
     CREATE INDEX IF NOT EXISTS agent_messages_by_agent ON agent_messages (to_agent_name, delivered_at, seq)`,
    // 6. Lanes' queues of work items (their secrets apart until dispatch) and what each lane run changed and tested.
    `CREATE TABLE IF NOT EXISTS lane_items (item_id TEXT PRIMARY KEY, lane_id TEXT NOT NULL, position INTEGER NOT NULL,
       state TEXT NOT NULL, request TEXT NOT NULL, run_id TEXT, error TEXT, created_at TEXT NOT NULL, dispatched_at TEXT);
     CREATE INDEX IF NOT EXISTS lane_items_by_lane ON lane_items (lane_id, state, position);
     CREATE TABLE IF NOT EXISTS lane_item_secrets (item_id TEXT PRIMARY KEY, secrets TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS lane_runs (run_id TEXT PRIMARY KEY, lane_id TEXT NOT NULL, role TEXT NOT NULL,
       status TEXT NOT NULL, changes TEXT, tests TEXT, ended_at TEXT NOT NULL);
     CREATE INDEX IF NOT EXISTS lane_runs_by_lane ON lane_runs (lane_id, ended_at)`,
    // 7. A lane's cycles (each worker run's test result, verdict and what followed) and its landings.
    `CREATE TABLE IF NOT EXISTS lane_cycles (worker_run_id TEXT PRIMARY KEY, lane_id TEXT NOT NULL, cycle INTEGER NOT NULL,
       tests_passed INTEGER, verdict TEXT, next TEXT NOT NULL, next_run_id TEXT, updated_at TEXT NOT NULL);
     CREATE INDEX IF NOT EXISTS lane_cycles_by_lane ON lane_cycles (lane_id, updated_at);
     CREATE TABLE IF NOT EXISTS lane_landings (landing_id TEXT PRIMARY KEY, lane_id TEXT NOT NULL, kind TEXT NOT NULL,
       runner TEXT NOT NULL, requested_at TEXT NOT NULL, result TEXT, error TEXT);
     CREATE INDEX IF NOT EXISTS lane_landings_by_lane ON lane_landings (lane_id, requested_at)`,
    // 8. The secret of each lane's default notify, apart from the lane until it closes.
    `CREATE TABLE IF NOT EXISTS lane_notify_secrets (lane_id TEXT PRIMARY KEY, secret TEXT NOT NULL)`,
    // 9. The tenant's default notify (at most one row), with its secret.
    `CREATE TABLE IF NOT EXISTS tenant_notify (id INTEGER PRIMARY KEY CHECK (id = 1), url TEXT NOT NULL,
       events TEXT NOT NULL, secret TEXT NOT NULL)`,
    // 10. Dashboard sign-ins: sessions and one-time sign-in links, each kept by the hash of its secret.
    `CREATE TABLE IF NOT EXISTS dashboard_sessions (id_hash TEXT PRIMARY KEY, csrf_token TEXT NOT NULL,
       created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
     CREATE INDEX IF NOT EXISTS dashboard_sessions_by_expiry ON dashboard_sessions (expires_ms);
     CREATE TABLE IF NOT EXISTS dashboard_links (code_hash TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL, used_ms INTEGER)`,
  ],
};

/** Brings a TenantObject's storage to the current version; call it before any table module reads. */
export function openTenantStorage(storage: MigratingStorage): SqlStorage {
  migrate(storage, TENANT_SCHEMA);
  return storage.sql;
}
