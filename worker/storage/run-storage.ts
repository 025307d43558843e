// The RunObject's SQLite schema as its history: the record, the event log, artifact chunks,
// private documents, the change outbox and the webhook deliveries migrate together under one version. Each step is the
// DDL as it shipped; a change to a table is a new step at the end.
import { StoredArtifactSchema, joinArtifact, type StoredArtifact } from "../runs/joined-artifacts.ts";
import { RunLog } from "../runs/run-log.ts";
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
    // 3. The record names the run's runner, and joins streamed artifact chunks per artifact id.
    joinRecordArtifacts,
    // 4. The run's webhook deliveries (notify/notify-outbox.ts).
    `CREATE TABLE IF NOT EXISTS sy_notify (delivery_id TEXT PRIMARY KEY, event TEXT NOT NULL, body TEXT NOT NULL,
       state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at_ms INTEGER)`,
  ],
};

/** Whether this storage has ever held a run (of any version): a new object's has no tables yet. */
export function holdsRunTables(sql: SqlStorage): boolean {
  return (
    sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sy_record'").toArray().length > 0
  );
}

/**
 * Brings a record from before step 3 to its shape: no runner name was kept (null: not known),
 * and `result.artifacts` held each artifact_added event's data as it came. Those are joined as
 * the run's events would be now, the i-th entry being the i-th artifact_added event (entries
 * were added in event order, and none after the run ended). It joins with today's joinArtifact:
 * a later step that reshapes artifacts again must recognise the shape it finds, as this one does.
 */
function joinRecordArtifacts(sql: SqlStorage): void {
  const log = new RunLog(sql);
  const record = log.loadRecord();
  if (!record) return;
  record.runner ??= null;
  const entries = record.result.artifacts as unknown[];
  if (!entries.every((a) => StoredArtifactSchema.safeParse(a).success)) {
    const seqs = sql
      .exec<{ seq: number }>("SELECT seq FROM sy_events WHERE type = 'artifact_added' ORDER BY seq")
      .toArray()
      .map((e) => e.seq);
    const joined: StoredArtifact[] = [];
    let omitted = 0;
    entries.forEach((data, i) => {
      if (!joinArtifact(joined, data as Record<string, unknown>, seqs[i] ?? 0, log.artifactTexts))
        omitted += 1;
    });
    record.result.artifacts = joined;
    if (omitted) record.result.artifacts_omitted = omitted;
  }
  log.saveRecord(record);
}

/**
 * Brings a RunObject's storage to the current version; call it before RunLog or ChangeOutbox reads.
 * `fresh`: holdsRunTables said it holds no run (a new object), so the version needs no lookup.
 */
export function openRunStorage(storage: MigratingStorage, fresh = false): SqlStorage {
  migrate(storage, RUN_SCHEMA, fresh ? { fresh } : undefined);
  return storage.sql;
}
