// get_metrics over the tenant's run rows, whose usage columns are kept current as usage events
// arrive (RunObject → TenantObject.runChanged). Grouping and percentiles are SQL over those rows;
// no run log is ever read. A row with turns = 0 reported no usage (isUsageReported in run-record.ts).
import { z } from "zod";
import { fieldsOf } from "../../shared/runs/fields-of.ts";
import { RunStatusSchema, TERMINAL_STATUSES } from "../../shared/runs/status.ts";
import { USAGE_SUMS } from "../../shared/runs/usage.ts";

/** group_by values and the column each groups on. */
export const GROUP_COLUMNS = {
  run: "run_id",
  run_tree: "root_run_id",
  lane: "lane_id",
  backend: "backend",
  model: "model",
  agent_name: "agent_name",
  day: "day",
} as const;
export type GroupBy = keyof typeof GROUP_COLUMNS;

export const MetricsFiltersShape = {
  backend: z.string().max(64).optional(),
  model: z.string().max(128).optional(),
  lane_id: z.string().max(64).optional(),
  agent_name: z.string().max(64).optional(),
  role: z.string().max(64).optional(),
  root_run_id: z.string().max(64).optional(),
  status: RunStatusSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional().describe("Runs created at or after (ISO 8601)."),
  until: z.iso.datetime({ offset: true }).optional().describe("Runs created before (ISO 8601)."),
};
const FiltersSchema = z.object(MetricsFiltersShape);
export type MetricsFilters = z.infer<typeof FiltersSchema>;

export const MetricsGroupSchema = z.object({
  key: z.string().nullable(),
  runs: z.number(),
  /** Runs per terminal status, and the runs still live. */
  outcomes: z.object({ ...fieldsOf(TERMINAL_STATUSES, z.number()), live: z.number() }),
  /** completed / finished runs; null when none finished. */
  success_rate: z.number().nullable(),
  ...fieldsOf(USAGE_SUMS, z.number()),
  /** Runs whose backend reported no usage; the token and cost sums cover only the others. */
  usage_unreported_runs: z.number(),
  duration_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
});
export type MetricsGroup = z.infer<typeof MetricsGroupSchema>;

type Row = Record<string, number | string | null>;

/** The sums a group's row selects: runs per terminal status, live runs, every usage sum. */
const SUMS = [
  ...TERMINAL_STATUSES.map((status) => `SUM(status = '${status}') AS ${status}`),
  "SUM(terminal = 0) AS live",
  ...USAGE_SUMS.map((field) => `SUM(${field}) AS ${field}`),
  "SUM(turns = 0) AS usage_unreported_runs",
].join(", ");

function where(filters: MetricsFilters): { clause: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const column of [
    "backend",
    "model",
    "lane_id",
    "agent_name",
    "role",
    "root_run_id",
    "status",
  ] as const) {
    if (filters[column] !== undefined) {
      parts.push(`${column} = ?`);
      params.push(filters[column]);
    }
  }
  if (filters.since) (parts.push("created_ms >= ?"), params.push(Date.parse(filters.since)));
  if (filters.until) (parts.push("created_ms < ?"), params.push(Date.parse(filters.until)));
  return { clause: parts.length ? `WHERE ${parts.join(" AND ")}` : "", params };
}

/** Totals per group, largest token users first; `offset`/`limit` page through the groups. */
export function queryMetrics(
  sql: SqlStorage,
  groupBy: GroupBy,
  filters: MetricsFilters,
  limit: number,
  offset: number,
) {
  const column = GROUP_COLUMNS[groupBy];
  const { clause, params } = where(filters);
  const rows = sql
    .exec(
      `SELECT ${column} AS key, COUNT(*) AS runs, ${SUMS}
       FROM runs ${clause} GROUP BY ${column} ORDER BY total_tokens DESC, key LIMIT ? OFFSET ?`,
      ...params,
      limit + 1,
      offset,
    )
    .toArray() as Row[];
  const groups = rows.slice(0, limit).map((r): MetricsGroup => {
    const n = (k: string) => Number(r[k] ?? 0);
    const numbers = <K extends string>(keys: readonly K[]) =>
      Object.fromEntries(keys.map((k) => [k, n(k)])) as Record<K, number>;
    const outcomes = numbers(TERMINAL_STATUSES);
    const finished = TERMINAL_STATUSES.reduce((sum, status) => sum + outcomes[status], 0);
    return {
      key: r.key === null ? null : String(r.key),
      runs: n("runs"),
      outcomes: { ...outcomes, live: n("live") },
      success_rate: finished ? outcomes.completed / finished : null,
      ...numbers(USAGE_SUMS),
      usage_unreported_runs: n("usage_unreported_runs"),
      duration_ms: durations(sql, column, r.key, clause, params),
    };
  });
  return { groups, next_offset: rows.length > limit ? offset + limit : null };
}

/** p50/p95 of finished runs' durations in one group (nearest-rank). */
function durations(sql: SqlStorage, column: string, key: unknown, clause: string, params: unknown[]) {
  const groupClause = `${clause ? `${clause} AND` : "WHERE"} ${key === null ? `${column} IS NULL` : `${column} = ?`} AND duration_ms IS NOT NULL`;
  const values = (
    sql
      .exec(
        `SELECT duration_ms FROM runs ${groupClause} ORDER BY duration_ms`,
        ...params,
        ...(key === null ? [] : [key]),
      )
      .toArray() as {
      duration_ms: number;
    }[]
  ).map((r) => r.duration_ms);
  const rank = (p: number) =>
    values.length ? values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)]! : null;
  return { p50: rank(0.5), p95: rank(0.95) };
}
