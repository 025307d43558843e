// get_metrics: usage, outcomes and durations rolled up by run, run tree, lane, backend, model,
// agent or day — read from per-run totals kept current as usage events arrive.
import { z } from "zod";
import {
  GROUP_COLUMNS,
  MetricsFiltersShape,
  MetricsGroupSchema,
  type GroupBy,
} from "../../metrics/metrics-query.ts";
import { tenantStub } from "../../objects/stubs.ts";
import { BoundedShape, TruncatedSchema, fitToBudget, project } from "../bounded.ts";
import { defineTool, readOnly } from "../tool.ts";

export const getMetrics = defineTool({
  name: "get_metrics",
  description:
    "Token usage (input, cached input, output, reasoning), cost (reported or priced; unpriced tokens counted apart), " +
    "run counts by outcome, success rate and p50/p95 run durations, grouped by group_by, with filters and a time range. " +
    "Usage sums cover the runs that reported usage; usage_unreported_runs counts the runs whose backend reported none.",
  annotations: readOnly("Get run metrics"),
  input: z.strictObject({
    group_by: z.enum(Object.keys(GROUP_COLUMNS) as [GroupBy, ...GroupBy[]]),
    ...MetricsFiltersShape,
    limit: z.number().int().min(1).max(200).default(50),
    offset: z.number().int().min(0).default(0),
    ...BoundedShape,
  }),
  output: z.object({
    group_by: z.string(),
    groups: z.array(MetricsGroupSchema.partial()),
    next_offset: z.number().nullable(),
    truncated: TruncatedSchema,
  }),
  async handler({ group_by, limit, offset, fields, detail, max_bytes, ...filters }, ctx) {
    const result = await (await tenantStub(ctx.env, ctx.tenant)).metrics(group_by, filters, limit, offset);
    return fitToBudget(result.groups, max_bytes, (kept) => {
      const trimmed = kept.length < result.groups.length;
      return {
        group_by,
        groups: kept.map((g) => project(g, { fields, detail })),
        next_offset: trimmed ? offset + kept.length : result.next_offset,
        ...(trimmed
          ? {
              truncated: {
                omitted_items: result.groups.length - kept.length,
                max_bytes: max_bytes!,
                how_to_get: "call get_metrics again with offset = next_offset",
              },
            }
          : {}),
      };
    }).answer;
  },
});
