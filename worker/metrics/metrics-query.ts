// get_metrics over the tenant's run rows, whose usage columns are kept current as usage events
// arrive (RunObject → TenantObject.runChanged). Grouping and percentiles are SQL over those rows;
// no run log is ever read. A row with turns = 0 reported no usage (isUsageReported in run-record.ts).
import { z } from "zod";
import { RunStatusSchema } from "../runs/status.ts";

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
  outcomes: z.object({
    completed: z.number(),
    failed: z.number(),
    cancelled: z.number(),
    rejected: z.number(),
    live: z.number(),
  }),
  /** completed / finished runs; null when none finished. */
  success_rate: z.number().nullable(),
  input_tokens: z.number(),
  cached_input_tokens: z.number(),
  output_tokens: z.number(),
  reasoning_tokens: z.number(),
  total_tokens: z.number(),
  cost_usd: z.number(),
  unpriced_tokens: z.number(),
  turns: z.number(),
  /** Runs whose backend reported no usage; the token and cost sums cover only the others. */
  usage_unreported_runs: z.number(),
  duration_ms: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
});
export type MetricsGroup = z.infer<typeof MetricsGroupSchema>;

type Row = Record<string, number | string | null>;

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
      `SELECT ${column} AS key, COUNT(*) AS runs,
         SUM(status = 'completed') AS completed, SUM(status = 'failed') AS failed,
         SUM(status = 'cancelled') AS cancelled, SUM(status = 'rejected') AS rejected, SUM(terminal = 0) AS live,
         SUM(input_tokens) AS input_tokens, SUM(cached_input_tokens) AS cached_input_tokens,
         SUM(output_tokens) AS output_tokens, SUM(reasoning_tokens) AS reasoning_tokens,
         SUM(total_tokens) AS total_tokens, SUM(cost_usd) AS cost_usd, SUM(unpriced_tokens) AS unpriced_tokens,
         SUM(turns) AS turns, SUM(turns = 0) AS usage_unreported_runs
       FROM runs ${clause} GROUP BY ${column} ORDER BY total_tokens DESC, key LIMIT ? OFFSET ?`,
      ...params,
      limit + 1,
      offset,
    )
    .toArray() as Row[];
  const groups = rows.slice(0, limit).map((r): MetricsGroup => {
    const n = (k: string) => Number(r[k] ?? 0);
    const finished = n("completed") + n("failed") + n("cancelled") + n("rejected");
    return {
      key: r.key === null ? null : String(r.key),
      runs: n("runs"),
      outcomes: {
        completed: n("completed"),
        failed: n("failed"),
        cancelled: n("cancelled"),
        rejected: n("rejected"),
        live: n("live"),
      },
      success_rate: finished ? n("completed") / finished : null,
      input_tokens: n("input_tokens"),
      cached_input_tokens: n("cached_input_tokens"),
      output_tokens: n("output_tokens"),
      reasoning_tokens: n("reasoning_tokens"),
      total_tokens: n("total_tokens"),
      cost_usd: n("cost_usd"),
      unpriced_tokens: n("unpriced_tokens"),
      turns: n("turns"),
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
