// The tenant's run index: its table, the filters list_runs accepts and the opaque page cursor.
import { badRequest } from "../errors.ts";
import type { RunStatus } from "./status.ts";

export const RUN_INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, status TEXT NOT NULL, backend TEXT NOT NULL, role TEXT NOT NULL, agent_name TEXT NOT NULL,
  session_id TEXT NOT NULL, parent_run_id TEXT, cwd TEXT, summary TEXT NOT NULL, last_seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_ms DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_ms DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_backend ON runs (backend, created_ms DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_role ON runs (role, created_ms DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_agent ON runs (agent_name, created_ms DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_run_id, created_ms DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_cwd ON runs (cwd, created_ms DESC, run_id DESC);
CREATE TABLE IF NOT EXISTS sessions (session_id TEXT PRIMARY KEY, backend TEXT NOT NULL, agent_name TEXT NOT NULL,
  ref TEXT NOT NULL, latest_run_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents (agent_name TEXT PRIMARY KEY, session_id TEXT NOT NULL, latest_run_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, run_id TEXT NOT NULL, fingerprint TEXT NOT NULL)
`;

/** One row of list_runs. */
export interface RunIndexRow {
  run_id: string;
  created_at: string;
  updated_at: string;
  status: RunStatus;
  backend: string;
  role: string;
  agent_name: string;
  session_id: string;
  parent_run_id: string | null;
  cwd: string | null;
  summary: string;
  last_seq: number;
}

/** Equality filters of list_runs; the keys are column names of the index. */
export interface RunFilters {
  status?: RunStatus;
  backend?: string;
  role?: string;
  agent_name?: string;
  parent_run_id?: string;
  cwd?: string;
}

interface CursorPosition {
  created_ms: number;
  run_id: string;
}

export const encodeCursor = (at: CursorPosition): string => btoa(JSON.stringify([at.created_ms, at.run_id])).replace(/=+$/, "");

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const [created_ms, run_id] = JSON.parse(atob(cursor)) as unknown[];
    if (typeof created_ms === "number" && typeof run_id === "string") return { created_ms, run_id };
  } catch {
    // Falls through to the error below: any undecodable cursor is the caller's mistake.
  }
  throw badRequest("cursor", "expected a cursor returned by an earlier list_runs call");
}
