// The RunnerObject's SQLite schema as its history: the runner's current link, the runs the tenant
// handed to this runner (and those ended lately), and how many of the runner's frames were ignored.
// Each step is the DDL as it shipped.
import { migrate, type MigratingStorage, type Schema } from "./migrate.ts";

export const RUNNER_SCHEMA: Schema = {
  name: "runner",
  steps: [
    `CREATE TABLE IF NOT EXISTS runner_link (id INTEGER PRIMARY KEY CHECK (id = 1), connection_id TEXT NOT NULL,
       instance TEXT NOT NULL, seen_ms INTEGER NOT NULL);
     CREATE TABLE IF NOT EXISTS held_runs (run_id TEXT PRIMARY KEY, ended_ms INTEGER);
     CREATE INDEX IF NOT EXISTS held_runs_by_end ON held_runs (ended_ms);
     CREATE TABLE IF NOT EXISTS ignored_frames (id INTEGER PRIMARY KEY CHECK (id = 1), frames INTEGER NOT NULL)`,
  ],
};

/** Brings a RunnerObject's storage to the current version; call it before any table module reads. */
export function openRunnerStorage(storage: MigratingStorage): SqlStorage {
  migrate(storage, RUNNER_SCHEMA);
  return storage.sql;
}
