// list_agents: the tenant's agents, each with its newest run and unread message count.
import { z } from "zod";
import { RunStatusSchema } from "../../../shared/runs/status.ts";
import { listAgents as list } from "../../agents/agent-mail.ts";
import { AgentEntrySchema } from "../../agents/agent-directory.ts";
import { AbsolutePathSchema, AgentNameSchema } from "../fields.ts";
import { readOnly, defineTool } from "../tool.ts";

export const listAgents = defineTool({
  name: "list_agents",
  description:
    "List the tenant's agents by name (an agent is a session: the agent_name/nickname given at spawn_run, or " +
    "generated) with the newest run's id, status, backend, role and cwd, and the count of unread messages. " +
    "Filters apply to the newest run. Pages in name order; pass next_cursor back as cursor.",
  annotations: readOnly("List agents"),
  input: z.strictObject({
    cwd: AbsolutePathSchema.optional(),
    backend: z.string().max(64).optional(),
    status: RunStatusSchema.optional(),
    limit: z.number().int().min(1).max(500).default(100),
    cursor: AgentNameSchema.optional().describe("next_cursor of the previous page."),
  }),
  output: z.object({ agents: z.array(AgentEntrySchema), next_cursor: z.string().nullable() }),
  handler: ({ limit, cursor, ...filters }, ctx) => list(ctx, filters, limit, cursor),
});
