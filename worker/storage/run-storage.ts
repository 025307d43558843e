// The RunObject's SQLite schema as its history: the record, the event log, artifact chunks,
// private documents and the change outbox migrate together under one version. Each step is the
// DDL as it shipped; a change to a table is a new step at the end.
import { migrate, type MigratingStorage, type Schema } from "./migrate.ts";

export const RUN_SCHEMA: Schema = {
  name: "run",
  steps: [
    // 1. The tables as the first versioned release found them.
    `CREATE TABLE IF NOT EXISTS sy_record (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS sy_events (seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS sy_chunks (seq INTEGER NOT NULL, pointer TEXT NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL,
       PRIMARY KEY (seq, pointer, idx));
     CREATE TABLE IF NOT EXISTS sy_private (key TEXT PRIMARY KEY, doc TEXT NOT NULL)`,
    // 2. The durable outbox of the run's changes to its tenant.
    `CREATE TABLE IF NOT EXISTS sy_outbox (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL,
       acked INTEGER NOT NULL, attempts INTEGER NOT NULL, retry_at_ms INTEGER)`,
  ],
};

/** Brings a RunObject's storage to the current version; call it before RunLog or ChangeOutbox reads. */
export function openRunStorage(storage: MigratingStorage): SqlStorage {
  migrate(storage, RUN_SCHEMA);
  return storage.sql;
}
