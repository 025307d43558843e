// list_runs: the tenant's runs, newest first, filtered and paged with an opaque cursor.
import { z } from "zod";
import { tenantStub } from "../../objects/stubs.ts";
import { RunStatusSchema } from "../../runs/status.ts";
import { AbsolutePathSchema } from "../fields.ts";
import { defineTool } from "../tool.ts";

const RunRowSchema = z.object({
  run_id: z.string(),
  status: RunStatusSchema,
  backend: z.string(),
  role: z.string(),
  agent_name: z.string(),
  session_id: z.string(),
  parent_run_id: z.string().nullable(),
  lane_id: z.string().nullable(),
  cwd: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  summary: z.string(),
  last_seq: z.number(),
});

export const listRuns = defineTool({
  name: "list_runs",
  description: "The tenant's runs, newest first. Filters combine with AND. Pass next_cursor back as cursor for the next page.",
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
  }),
  output: z.object({ runs: z.array(RunRowSchema), next_cursor: z.string().nullable() }),
  async handler({ limit, cursor, ...filters }, ctx) {
    return (await tenantStub(ctx.env, ctx.tenant)).listRuns(filters, limit, cursor);
  },
});
