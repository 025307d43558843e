// How a served turn ends, which the message's metadata chooses. By default every turn runs with an
// output schema (`status` + `message`) and instructions that explain it: a local agent has no way
// of its own to ask its caller a question, and A2A's `input-required` needs one. A caller that asks
// for its own output schema (`switchyard.output_schema`, as remote_a2a sends it) gets that instead,
// and the structured output back as a data part; such a turn always completes.

/** The JSON every served turn ends with unless the caller brought its own schema. */
export const REPLY_SCHEMA = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["completed", "input_required"] },
    message: { type: "string" },
  },
  required: ["status", "message"],
  additionalProperties: false,
};

export const REPLY_INSTRUCTIONS = [
  "You are answering a caller over the A2A protocol; nobody watches your terminal.",
  'End every turn with JSON matching the output schema: {"status": "completed", "message": <your answer>} when',
  'the task is done, or {"status": "input_required", "message": <your question>} when you cannot go on without',
  "an answer from the caller. Their answer arrives as the next message of this conversation.",
].join("\n");

export interface Reply {
  state: "completed" | "input_required";
  text: string;
  /** The caller's structured output, when it asked for one. */
  data?: unknown;
}

/** What a turn runs with and how its end is read. */
export interface TurnContract {
  outputSchema: Record<string, unknown>;
  instructions: string | undefined;
  replyOf(structured: unknown, finalResponse: string): Reply;
}

/** The contract for a message, from its `switchyard` metadata (`profile`, `output_schema`). */
export function contractFor(metadata: Record<string, unknown> | undefined): TurnContract {
  const switchyard = metadata?.switchyard;
  const given =
    typeof switchyard === "object" && switchyard !== null ? (switchyard as Record<string, unknown>) : {};
  const profile = typeof given.profile === "string" ? given.profile : undefined;
  const schema = given.output_schema;
  if (typeof schema === "object" && schema !== null && !Array.isArray(schema))
    return {
      outputSchema: schema as Record<string, unknown>,
      instructions: profile,
      replyOf: (structured, text) => ({ state: "completed", text, data: structured }),
    };
  return {
    outputSchema: REPLY_SCHEMA,
    instructions: profile ? `${profile}\n\n${REPLY_INSTRUCTIONS}` : REPLY_INSTRUCTIONS,
    replyOf: statusReply,
  };
}

/**
 * The turn's reply from its structured output; an agent that answered outside the schema (plain
 * text, another shape) completed with its final response as it is.
 */
function statusReply(structured: unknown, finalResponse: string): Reply {
  if (typeof structured === "object" && structured !== null) {
    const { status, message } = structured as Record<string, unknown>;
    if ((status === "completed" || status === "input_required") && typeof message === "string")
      return { state: status, text: message };
  }
  return { state: "completed", text: finalResponse };
}
