// Reads the Durable Objects' own SQLite rows from inside workerd, for tests that assert on what
// was (or was not) stored: the tenant's runner table, a runner's object, and a run's record, log and
// private rows, every row of an object as text; and a fresh object's SQLite for tests of plain storage code.
import { env, runInDurableObject } from "cloudflare:test";
import type { Env } from "../../../worker/env.ts";
import { openRunStorage } from "../../../worker/storage/run-storage.ts";
import { openTenantStorage } from "../../../worker/storage/tenant-storage.ts";

const bindings = env as unknown as Env;

function rows(
  stub: DurableObjectStub,
  query: string,
  ...params: unknown[]
): Promise<Record<string, unknown>[]> {
  return runInDurableObject(stub, (_instance, state: DurableObjectState) =>
    state.storage.sql.exec(query, ...params).toArray(),
  );
}

/**
 * Runs `body` with the SQLite storage of a Durable Object of its own, opened (migrated) as a run's
 * and as a tenant's, so plain storage code of either kind finds its tables.
 */
export function withSql<T>(body: (sql: SqlStorage) => Promise<T>): Promise<T> {
  return withStorage((storage) => {
    openRunStorage(storage);
    return body(openTenantStorage(storage));
  });
}

/** Runs `body` with the storage, not opened yet, of a Durable Object of its own. */
export function withStorage<T>(body: (storage: DurableObjectStorage) => Promise<T>): Promise<T> {
  const stub = bindings.RUNS.getByName(`sql-test/${crypto.randomUUID()}`) as unknown as DurableObjectStub;
  return runInDurableObject(stub, (_, state: DurableObjectState) => body(state.storage));
}

const tenant = (name: string) => bindings.TENANTS.getByName(name) as unknown as DurableObjectStub;

/** The object of runner `runner` of a tenant (`<tenant>/<runner>`). */
export const runnerObject = (runner: string, tenantName = "acme") =>
  bindings.RUNNERS.getByName(`${tenantName}/${runner}`) as unknown as DurableObjectStub;

/** Frames of `runner` its object ignored because they named runs it did not hold. */
export async function ignoredFrames(runner: string, tenantName = "acme"): Promise<number> {
  const tables = await rows(
    runnerObject(runner, tenantName),
    "SELECT name FROM sqlite_master WHERE name = 'ignored_frames'",
  );
  if (tables.length === 0) return 0;
  const [row] = await rows(runnerObject(runner, tenantName), "SELECT frames FROM ignored_frames");
  return (row?.frames as number | undefined) ?? 0;
}

/** Who holds `runId` in the tenant's runner table: a name, null while queued, undefined when absent. */
export async function holderOf(runId: string, tenantName = "acme"): Promise<string | null | undefined> {
  const [row] = await rows(tenant(tenantName), "SELECT runner_name FROM runner_runs WHERE run_id = ?", runId);
  return row ? (row.runner_name as string | null) : undefined;
}

/** Runs the tenant's runner table says `runner` holds. */
export async function runsHeldBy(runner: string, tenantName = "acme"): Promise<string[]> {
  const held = await rows(tenant(tenantName), "SELECT run_id FROM runner_runs WHERE runner_name = ?", runner);
  return held.map((r) => r.run_id as string);
}

/** Every row a run's object stores (record, events, artifact chunks, private documents), as JSON. */
export async function runStorage(runId: string, tenantName = "acme"): Promise<string> {
  const stub = bindings.RUNS.getByName(`${tenantName}/${runId}`) as unknown as DurableObjectStub;
  const tables = ["sy_record", "sy_events", "sy_chunks", "sy_private"];
  const dump = await Promise.all(tables.map((t) => rows(stub, `SELECT * FROM ${t} ORDER BY 1, 2`)));
  return JSON.stringify(dump, (_k, v: unknown) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v));
}

/** The run's record as its object stores it (fields get_run does not show included). */
export async function storedRecord(runId: string, tenantName = "acme"): Promise<Record<string, unknown>> {
  const stub = bindings.RUNS.getByName(`${tenantName}/${runId}`) as unknown as DurableObjectStub;
  const [row] = await rows(stub, "SELECT doc FROM sy_record WHERE id = 1");
  if (!row) throw new Error(`run ${runId} has no record`);
  return JSON.parse(row.doc as string) as Record<string, unknown>;
}

/** Every row of the tenant's agent inboxes, oldest first, as stored. */
export function inboxRows(tenantName = "acme"): Promise<Record<string, unknown>[]> {
  return rows(tenant(tenantName), "SELECT * FROM agent_messages ORDER BY seq");
}

/** Every row of every table of one Durable Object (but workerd's own), as text: a "\n<table>: " line per row. */
export async function storageText(
  stub: DurableObjectStub,
): Promise<{ text: string; tables: number; rows: number }> {
  return runInDurableObject(stub, (_instance: unknown, state: DurableObjectState) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((t) => t.name)
      .filter((name) => !name.startsWith("_cf_") && name !== "sqlite_sequence");
    let text = "";
    let rows = 0;
    const decoder = new TextDecoder();
    for (const table of tables) {
      for (const row of sql.exec(`SELECT * FROM "${table}"`).toArray()) {
        rows += 1;
        text += `\n${table}: `;
        for (const value of Object.values(row))
          text += ` ${value instanceof ArrayBuffer ? decoder.decode(value) : String(value)}`;
      }
    }
    return { text, tables: tables.length, rows };
  });
}
