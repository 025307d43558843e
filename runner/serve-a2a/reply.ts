// How a served agent says whether its turn is done or it needs an answer: every turn runs with an
// output schema (`status` + `message`) and standing instructions that explain it. A local agent has
// no way of its own to ask its caller a question; A2A's `input-required` needs one.

/** The JSON every served turn ends with. */
export const REPLY_SCHEMA = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["completed", "input_required"] },
    message: { type: "string" },
  },
  required: ["status", "message"],
  additionalProperties: false,
} as const;

export const REPLY_INSTRUCTIONS = [
  "You are answering a caller over the A2A protocol; nobody watches your terminal.",
  'End every turn with JSON matching the output schema: {"status": "completed", "message": <your answer>} when',
  'the task is done, or {"status": "input_required", "message": <your question>} when you cannot go on without',
  "an answer from the caller. Their answer arrives as the next message of this conversation.",
].join("\n");

export interface Reply {
  state: "completed" | "input_required";
  text: string;
}

/**
 * The turn's reply from its structured output; an agent that answered outside the schema (plain
 * text, another shape) completed with its final response as it is.
 */
export function replyOf(structured: unknown, finalResponse: string): Reply {
  if (typeof structured === "object" && structured !== null) {
    const { status, message } = structured as Record<string, unknown>;
    if ((status === "completed" || status === "input_required") && typeof message === "string")
      return { state: status, text: message };
  }
  return { state: "completed", text: finalResponse };
}

/** The instructions a turn runs with: the caller's profile, if any, then how to reply. */
export function instructionsWith(profile: string | undefined): string {
  return profile ? `${profile}\n\n${REPLY_INSTRUCTIONS}` : REPLY_INSTRUCTIONS;
}
