// Creating a table set in a Durable Object's SQLite (`exec` runs one statement at a time), and
// bringing a table made by an earlier version up to date.

/** Runs each `;`-separated statement of `schema` (all of them `CREATE … IF NOT EXISTS`). */
export function applySchema(sql: SqlStorage, schema: string): void {
  for (const statement of schema.split(";").map((s) => s.trim())) if (statement) sql.exec(statement);
}

/**
 * Adds the columns a table made by an earlier version lacks (`name: declaration`, which needs a
 * default): SQLite adds them in place, existing rows taking the default.
 */
export function addMissingColumns(sql: SqlStorage, table: string, columns: Record<string, string>): void {
  const present = new Set(
    sql
      .exec<{ name: string }>(`PRAGMA table_info(${table})`)
      .toArray()
      .map((c) => c.name),
  );
  for (const [name, declaration] of Object.entries(columns)) {
    if (!present.has(name)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${declaration}`);
  }
}
