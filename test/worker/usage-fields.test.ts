// The usage fields and terminal statuses are each listed once (runs/usage.ts, runs/status.ts) and
// everything else is built from those lists: the run index's columns, what a change writes to
// them, the metrics' sums and outcomes, a run's totals. Real Durable Object SQLite; no network.
import { describe, expect, it } from "vitest";
import { MetricsGroupSchema, queryMetrics } from "../../worker/metrics/metrics-query.ts";
import { RunIndex } from "../../worker/runs/run-index.ts";
import { UsageTotalsSchema, emptyUsage } from "../../worker/runs/run-record.ts";
import { EVENT_TYPES } from "../../shared/runs/events.ts";
import { TERMINAL_STATUSES, isTerminal, statusAfter } from "../../shared/runs/status.ts";
import {
  NormalizedUsageSchema,
  TOKEN_FIELDS,
  USAGE_SUMS,
  UsageSchema,
  type UsageSum,
} from "../../shared/runs/usage.ts";
import { indexWithRun } from "./support/run-index.ts";
import { withSql } from "./support/storage.ts";

/** The stored column names: existing tenants' rows hold these, so they never change. */
const STORED_USAGE_COLUMNS = [
  ["input_tokens", "INTEGER"],
  ["cached_input_tokens", "INTEGER"],
  ["output_tokens", "INTEGER"],
  ["reasoning_tokens", "INTEGER"],
  ["total_tokens", "INTEGER"],
  ["cost_usd", "REAL"],
  ["unpriced_tokens", "INTEGER"],
  ["turns", "INTEGER"],
];

describe("usage fields", () => {
  it("are the run index's usage columns, in order, typed and defaulting to 0", () =>
    withSql(async (sql) => {
      new RunIndex(sql);
      const columns = sql
        .exec<{ name: string; type: string; notnull: number; dflt_value: string | null }>(
          "SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info('runs')",
        )
        .toArray();
      const usage = columns.filter((c) => (USAGE_SUMS as readonly string[]).includes(c.name));
      expect(usage.map((c) => [c.name, c.type])).toEqual(STORED_USAGE_COLUMNS);
      expect(usage.every((c) => c.notnull === 1 && c.dflt_value === "0")).toBe(true);
    }));

  it("each reach their own column through a change and their own sum in get_metrics", () =>
    withSql(async (sql) => {
      const { index, run_id } = indexWithRun(sql, "running");
      // A different number per field: a field written to another's column shows.
      const usage = Object.fromEntries(USAGE_SUMS.map((f, i) => [f, (i + 1) * 11])) as Record<
        UsageSum,
        number
      >;
      index.applyChange({
        run_id,
        version: 1,
        status: "completed",
        last_seq: 3,
        updated_at: new Date(1000).toISOString(),
        summary: "done",
        remote_ref: {},
        usage,
        started_at: null,
        completed_at: null,
        halt_runner: false,
      });
      const [row] = sql.exec(`SELECT ${USAGE_SUMS.join(", ")} FROM runs WHERE run_id = ?`, run_id).toArray();
      expect(row).toEqual(usage);
      const { groups } = queryMetrics(sql, "run", {}, 10, 0);
      expect(groups).toHaveLength(1);
      expect(MetricsGroupSchema.parse(groups[0])).toMatchObject({ ...usage, usage_unreported_runs: 0 });
      expect(groups[0]!.outcomes).toEqual({ completed: 1, failed: 0, cancelled: 0, rejected: 0, live: 0 });
    }));

  it("make up every usage schema: what backends emit, what is stored, a run's totals", () => {
    const keys = (shape: object) => Object.keys(shape);
    expect(keys(UsageSchema.shape).slice(0, TOKEN_FIELDS.length)).toEqual([...TOKEN_FIELDS]);
    expect(keys(NormalizedUsageSchema.shape).slice(0, TOKEN_FIELDS.length)).toEqual([...TOKEN_FIELDS]);
    for (const field of USAGE_SUMS) expect(keys(UsageTotalsSchema.shape)).toContain(field);
    expect(emptyUsage()).toEqual({
      input_tokens: 0,
      cached_input_tokens: 0,
      output_tokens: 0,
      reasoning_tokens: 0,
      total_tokens: 0,
      unpriced_tokens: 0,
      turns: 0,
    });
    expect(keys(MetricsGroupSchema.shape.outcomes.shape)).toEqual([...TERMINAL_STATUSES, "live"]);
  });
});

describe("terminal statuses", () => {
  it("are reached by exactly run_completed, run_failed and rejected among the events", () => {
    const ending = EVENT_TYPES.filter((type) => {
      const status = statusAfter({ type });
      return status !== undefined && isTerminal(status);
    });
    expect(ending).toEqual(["rejected", "run_completed", "run_failed"]);
    expect(TERMINAL_STATUSES).toEqual(["completed", "failed", "cancelled", "rejected"]);
  });
});
