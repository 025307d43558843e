// Bringing a Durable Object's SQLite up to its current schema: a version number per schema and
// ordered steps, each step run once, the pending ones together in one transaction. Steps are
// history: a released step never changes; a new column or table is a new step at the end.

/** What migrating needs of a Durable Object's storage (`transactionSync` rolls back on a throw). */
export type MigratingStorage = Pick<DurableObjectStorage, "sql" | "transactionSync">;

/**
 * One step: `;`-separated SQL statements run in order, or code for what SQL cannot say. Step `i`
 * of a list (from 0) brings storage to version `i + 1`.
 */
export type Step = string | ((sql: SqlStorage) => void);

/** The tables of one object, as their history: `name` keys the version stored for them. */
export interface Schema {
  name: string;
  steps: readonly Step[];
}

/** Where versions live; a table of its own, since Durable Object SQLite refuses PRAGMA user_version. */
const VERSIONS = "sy_schema";

/** The version of schema `name` in `sql`: 0 when none was ever recorded (fresh, or made before versions). */
export function schemaVersion(sql: SqlStorage, name: string): number {
  const kept = sql
    .exec<{ n: number }>(
      "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
      VERSIONS,
    )
    .one().n;
  if (!kept) return 0;
  return (
    sql.exec<{ version: number }>(`SELECT version FROM ${VERSIONS} WHERE name = ?`, name).toArray()[0]
      ?.version ?? 0
  );
}

/**
 * Runs the steps of `schema` that `storage` has not had (`known.fresh`: the caller has seen that
 * storage holds no table of the schema, so its version is 0 without asking), then records their count as its version;
 * a step that throws rolls all of them back, the version with them. Storage at a later version
 * than the steps reach (a rolled-back deploy) is left as it is: steps only add, so older code
 * still reads it.
 */
export function migrate(
  storage: MigratingStorage,
  schema: Schema,
  known?: { fresh: true },
): { from: number; to: number } {
  const { sql } = storage;
  const from = known?.fresh ? 0 : schemaVersion(sql, schema.name);
  const to = schema.steps.length;
  if (from >= to) return { from, to: from };
  storage.transactionSync(() => {
    for (const step of schema.steps.slice(from)) {
      if (typeof step === "function") step(sql);
      // Storage known to be empty has no column a step could find already there: one call per step.
      else if (known?.fresh) sql.exec(step);
      else for (const statement of statements(step)) run(sql, statement, from === 0);
    }
    sql.exec(`CREATE TABLE IF NOT EXISTS ${VERSIONS} (name TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
    sql.exec(`INSERT OR REPLACE INTO ${VERSIONS} (name, version) VALUES (?, ?)`, schema.name, to);
  });
  return { from, to };
}

const statements = (step: string) =>
  step
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);

const ADD_COLUMN = /^ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)\s/i;

/**
 * Runs one statement. Storage made before versions were kept reads as version 0 yet may already
 * have any column a step adds (earlier code added them where missing), and SQLite has no
 * `ADD COLUMN IF NOT EXISTS`: from version 0, a column the table has is not added again.
 */
function run(sql: SqlStorage, statement: string, unversioned: boolean): void {
  const add = unversioned ? ADD_COLUMN.exec(statement) : null;
  if (add) {
    const [, table, column] = add;
    const has = sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM pragma_table_info(?) WHERE name = ?", table, column)
      .one().n;
    if (has) return;
  }
  sql.exec(statement);
}
