// A run's SQLite storage: the record, the event log keyed by seq, artifact chunks, the backend's
// checkpoint and the secrets kept while the run is live. Only the run's own object writes here.
import type { NewEvent, RunEvent } from "../../shared/runs/events.ts";
import { CHUNK_BYTES, concat, splitChunks, type ArtifactRef } from "./artifacts.ts";
import type { ArtifactTextStore } from "./joined-artifacts.ts";
import type { RunRecord } from "./run-record.ts";
import { sanitizeEventData } from "./sanitize.ts";

type EventRow = { seq: number; ts: string; type: string; data: string };

/** The chunk rows of joined artifact texts use this seq, which no event has; their pointer is the artifact id. */
const JOINED_SEQ = 0;

/**
 * Keys of the run's private documents; `halt_runner` marks a runner's run Switchyard ended,
 * `run_token_hash` is the SHA-256 of an orchestrating run's token while the run lives, `notify` the
 * webhook secret until the run's last delivery is done (NotifyPrivate in objects/run-notify.ts).
 */
type PrivateKey = "checkpoint" | "secrets" | "carry" | "halt_runner" | "run_token_hash" | "notify";

export class RunLog {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openRunStorage (storage/run-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  loadRecord(): RunRecord | null {
    const row = this.#sql.exec<{ doc: string }>("SELECT doc FROM sy_record WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.doc) as RunRecord) : null;
  }

  saveRecord(record: RunRecord): void {
    this.#sql.exec("INSERT OR REPLACE INTO sy_record (id, doc) VALUES (1, ?)", JSON.stringify(record));
  }

  /**
   * Stores `event` as `seq`, moving oversized fields to artifact chunks. Returns the stored event
   * as readers will see it.
   */
  append(record: RunRecord, seq: number, ts: string, event: NewEvent): RunEvent {
    const { data, extracted } = sanitizeEventData(event.data);
    if (extracted.length) {
      const refs: Record<string, ArtifactRef> = {};
      for (const field of extracted) {
        const chunks = splitChunks(field.bytes);
        chunks.forEach((bytes, idx) =>
          this.#sql.exec(
            "INSERT INTO sy_chunks (seq, pointer, idx, bytes) VALUES (?, ?, ?, ?)",
            seq,
            field.pointer,
            idx,
            bytes,
          ),
        );
        refs[field.pointer] = {
          total_bytes: field.bytes.length,
          mime: field.mime,
          chunk_count: chunks.length,
        };
      }
      data.artifact_refs = refs;
    }
    this.#sql.exec(
      "INSERT INTO sy_events (seq, ts, type, data) VALUES (?, ?, ?, ?)",
      seq,
      ts,
      event.type,
      JSON.stringify(data),
    );
    return toEvent(record, { seq, ts, type: event.type, data: "" }, data);
  }

  /** Up to `limit` events after `afterSeq`, in order; an index range scan, never the whole log. */
  read(record: RunRecord, afterSeq: number, limit: number): RunEvent[] {
    return this.#sql
      .exec<EventRow>(
        "SELECT seq, ts, type, data FROM sy_events WHERE seq > ? ORDER BY seq LIMIT ?",
        afterSeq,
        limit,
      )
      .toArray()
      .map((row) => toEvent(record, row, JSON.parse(row.data) as Record<string, unknown>));
  }

  event(record: RunRecord, seq: number): RunEvent | undefined {
    return this.read(record, seq - 1, 1).find((e) => e.seq === seq);
  }

  readChunks(seq: number, pointer: string, first: number, last: number): Uint8Array[] {
    return this.#sql
      .exec<{ bytes: ArrayBuffer }>(
        "SELECT bytes FROM sy_chunks WHERE seq = ? AND pointer = ? AND idx BETWEEN ? AND ? ORDER BY idx",
        seq,
        pointer,
        first,
        last,
      )
      .toArray()
      .map((row) => new Uint8Array(row.bytes));
  }

  /** Where joined artifacts keep text that outgrew the record (joined-artifacts.ts). */
  readonly artifactTexts: ArtifactTextStore = {
    append: (artifactId, at, bytes) => {
      let idx = Math.floor(at / CHUNK_BYTES);
      let rest = bytes;
      const filled = at % CHUNK_BYTES;
      if (filled > 0) {
        // Top up the last, partly filled row first, so rows stay CHUNK_BYTES long and readPage can find them.
        const last = this.readChunks(JOINED_SEQ, artifactId, idx, idx)[0] ?? new Uint8Array();
        const room = CHUNK_BYTES - filled;
        this.#putChunk(artifactId, idx++, concat([last.subarray(0, filled), rest.subarray(0, room)]));
        rest = rest.subarray(room);
      }
      for (let from = 0; from < rest.length; from += CHUNK_BYTES)
        this.#putChunk(artifactId, idx++, rest.subarray(from, from + CHUNK_BYTES));
    },
    clear: (artifactId) => {
      this.#sql.exec("DELETE FROM sy_chunks WHERE seq = ? AND pointer = ?", JOINED_SEQ, artifactId);
    },
  };

  #putChunk(artifactId: string, idx: number, bytes: Uint8Array): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO sy_chunks (seq, pointer, idx, bytes) VALUES (?, ?, ?, ?)",
      JOINED_SEQ,
      artifactId,
      idx,
      bytes,
    );
  }

  /** Chunk rows `first..last` of a joined artifact's stored text. */
  readArtifactText(artifactId: string, first: number, last: number): Uint8Array[] {
    return this.readChunks(JOINED_SEQ, artifactId, first, last);
  }

  /** Private per-run documents: the backend checkpoint and, while live, the secrets. */
  getPrivate<T>(key: PrivateKey): T | undefined {
    const row = this.#sql.exec<{ doc: string }>("SELECT doc FROM sy_private WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  setPrivate(key: PrivateKey, doc: unknown): void {
    this.#sql.exec("INSERT OR REPLACE INTO sy_private (key, doc) VALUES (?, ?)", key, JSON.stringify(doc));
  }

  deletePrivate(key: PrivateKey): void {
    this.#sql.exec("DELETE FROM sy_private WHERE key = ?", key);
  }
}

function toEvent(record: RunRecord, row: EventRow, data: Record<string, unknown>): RunEvent {
  return {
    seq: row.seq,
    ts: row.ts,
    run_id: record.run_id,
    session_id: record.session_id,
    backend: record.backend,
    type: row.type as RunEvent["type"],
    data,
  };
}
