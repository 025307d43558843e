// list_runs: the tenant's runs, newest first, filtered and paged with an opaque cursor.
import { RUN_VIEW_URI } from "../app-resource.ts";
import { z } from "zod";
import { tenantStub } from "../../objects/stubs.ts";
import { RunRowSchema, encodeCursor, type RunIndexRow } from "../../runs/run-index.ts";
import { RunStatusSchema } from "../../../shared/runs/status.ts";
import { BoundedShape, TruncatedSchema, fitToBudget, project } from "../bounded.ts";
import { AbsolutePathSchema } from "../fields.ts";
import { defineTool, readOnly } from "../tool.ts";

/** The cursor that continues a listing after `row`. */
export const cursorAfter = (row: RunIndexRow) =>
  encodeCursor({ created_ms: Date.parse(row.created_at), run_id: row.run_id });

export const listRuns = defineTool({
  name: "list_runs",
  app: RUN_VIEW_URI,
  description:
    "The tenant's runs (with a run token: the runs below that run), newest first. Filters combine with AND. Pass next_cursor back as cursor for the next page. " +
    "fields/detail/max_bytes bound the answer; a trimmed answer says what it left out.",
  annotations: readOnly("List runs"),
  input: z.strictObject({
    status: RunStatusSchema.optional(),
    backend: z.string().max(64).optional(),
    role: z.string().max(64).optional(),
    agent_name: z.string().max(64).optional(),
    parent_run_id: z.string().max(64).optional(),
    lane_id: z.string().max(64).optional(),
    cwd: AbsolutePathSchema.optional(),
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional(),
    ...BoundedShape,
  }),
  output: z.object({
    runs: z.array(RunRowSchema.partial()),
    next_cursor: z.string().nullable(),
    truncated: TruncatedSchema,
  }),
  async handler({ limit, cursor, fields, detail, max_bytes, ...filters }, ctx) {
    // A run-scoped caller lists only what lies below its run (orchestration/scope.ts).
    const scoped = ctx.scope ? { ...filters, descendant_of: ctx.scope.run_id } : filters;
    const page = await (await tenantStub(ctx.env, ctx.tenant)).listRuns(scoped, limit, cursor);
    const { answer } = fitToBudget(page.runs, max_bytes, (kept) => {
      const trimmed = kept.length < page.runs.length;
      const last = kept.at(-1);
      return {
        runs: kept.map((r) => project(r, { fields, detail })),
        next_cursor: trimmed ? (last ? cursorAfter(last) : (cursor ?? null)) : page.next_cursor,
        ...(trimmed
          ? {
              truncated: {
                omitted_items: page.runs.length - kept.length,
                max_bytes: max_bytes!,
                how_to_get:
                  "call list_runs again with cursor = next_cursor (or fields/detail: summary for smaller rows)",
              },
            }
          : {}),
      };
    });
    return answer;
  },
});
