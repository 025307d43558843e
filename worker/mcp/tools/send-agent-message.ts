// send_agent_message: a point-to-point message to another agent of the tenant by agent_name.
import { z } from "zod";
import { checkJsonLimits, boundedJson } from "../../../shared/json-limits.ts";
import { GivenMessageSchema } from "../../../shared/runs/messages.ts";
import { sendAgentMessage as send } from "../../agents/agent-mail.ts";
import { DeliverySchema } from "../../agents/agent-inbox.ts";
import { AbsolutePathSchema, AgentNameSchema, MESSAGE_DESCRIPTION } from "../fields.ts";
import { defineTool, steersAgent } from "../tool.ts";

/** Most bytes of one agent message (its message and metadata as JSON); inboxes hold many. */
export const MAX_AGENT_MESSAGE_BYTES = 64 * 1024;

export const sendAgentMessage = defineTool({
  name: "send_agent_message",
  description:
    "Send a point-to-point message to another agent by agent_name (an agent is a session: the name given at " +
    "spawn_run as agent_name/nickname, or generated; see list_agents). The message waits in the agent's inbox " +
    "(fetch_agent_messages) and is noted as a message_added event in the agent's newest run. With deliver " +
    '"continue" and that run input_required, the message continues the run as its input instead (delivery ' +
    '"continue" in the answer); otherwise it waits in the inbox. Secrets of both agents\' live runs are redacted.',
  // Destructive like continue_run: with deliver "continue" it steers a run.
  annotations: steersAgent("Send a message to an agent"),
  input: z
    .strictObject({
      to_agent_name: AgentNameSchema.describe("The recipient agent."),
      from_agent_name: AgentNameSchema.optional().describe("The sending agent, if the sender is one."),
      cwd: AbsolutePathSchema.optional().describe("When given, the recipient's newest run must work here."),
      message: GivenMessageSchema.describe(MESSAGE_DESCRIPTION),
      metadata: boundedJson(16 * 1024)
        .optional()
        .describe("Kept with the inbox entry for correlation; not sent to the agent."),
      deliver: DeliverySchema.default("inbox").describe(
        '"inbox" (default): wait to be fetched; "continue": continue the agent\'s input_required run with it.',
      ),
    })
    .superRefine((v, ctx) =>
      checkJsonLimits({ message: v.message, metadata: v.metadata }, ctx, {
        maxBytes: MAX_AGENT_MESSAGE_BYTES,
        maxDepth: Infinity,
        path: ["message"],
      }),
    ),
  output: z.object({
    message_id: z.string(),
    seq: z.number().int().positive(),
    to_agent_name: z.string(),
    to_session_id: z.string(),
    created_at: z.string(),
    delivery: DeliverySchema,
    /** The recipient's newest run: the one continued, or the one whose log notes the message. */
    run_id: z.string(),
  }),
  handler: (args, ctx) => send(ctx, args),
});
