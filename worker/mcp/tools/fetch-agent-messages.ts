// fetch_agent_messages: an agent's inbox — its unread messages, or every one after a cursor.
import { z } from "zod";
import { fetchAgentMessages as fetch } from "../../agents/agent-mail.ts";
import { AgentMessageSchema } from "../../agents/agent-inbox.ts";
import { AbsolutePathSchema, AgentNameSchema } from "../fields.ts";
import { defineTool } from "../tool.ts";

export const fetchAgentMessages = defineTool({
  name: "fetch_agent_messages",
  description:
    "Fetch an agent's inbox, oldest first: its unread messages, or with after_seq every message after that seq " +
    "(read or not; pass next_after_seq back to page on). Messages returned are marked delivered, so the next " +
    "fetch without after_seq skips them. Bodies are in the A2A shape; at most 1 MB of messages per call.",
  annotations: {
    title: "Fetch an agent's messages",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  },
  input: z.strictObject({
    agent_name: AgentNameSchema.describe("The agent whose inbox to read."),
    cwd: AbsolutePathSchema.optional().describe("When given, the agent's newest run must work here."),
    after_seq: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Cursor: messages after this seq, read or not (default: unread messages only)."),
    limit: z.number().int().min(1).max(1000).default(100),
  }),
  output: z.object({
    agent_name: z.string(),
    session_id: z.string(),
    messages: z.array(AgentMessageSchema),
    next_after_seq: z.number().int().min(0),
    /** Messages still unread after this fetch. */
    unread: z.number().int().min(0),
  }),
  handler: (args, ctx) => fetch(ctx, args),
});
