// Creating a table set in a Durable Object's SQLite: `exec` runs one statement at a time.

/** Runs each `;`-separated statement of `schema` (all of them `CREATE … IF NOT EXISTS`). */
export function applySchema(sql: SqlStorage, schema: string): void {
  for (const statement of schema.split(";").map((s) => s.trim())) if (statement) sql.exec(statement);
}
