// The OpenAI chat-completions wire format as this backend speaks it: the request body, the loose
// zod shapes of streamed chunks, whole completions and error bodies (servers add fields freely),
// usage normalization, and the conversation the backend keeps as its private checkpoint.
import { z } from "zod";
import { UsageSchema, type Usage } from "../../runs/usage.ts";
import { errorMessage } from "../error-text.ts";

export const ChatMessageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/**
 * The backend's checkpoint: the conversation so far, without the system prompt (that comes from the
 * run's profile on every turn). A conversation ending on a user message has a turn still open.
 */
export const ConversationSchema = z.object({ messages: z.array(ChatMessageSchema) });

/** The conversation held by `checkpoint`; a missing or malformed checkpoint is an empty one. */
export function conversationOf(checkpoint: unknown): ChatMessage[] {
  const parsed = ConversationSchema.safeParse(checkpoint);
  return parsed.success ? parsed.data.messages : [];
}

/**
 * Most UTF-8 bytes of message text a conversation keeps: the checkpoint is one SQLite row (2 MB
 * at most), and no model's context takes more anyway.
 */
export const MAX_CONVERSATION_BYTES = 1_000_000;

/**
 * `messages` within MAX_CONVERSATION_BYTES: the oldest go first, and the kept part starts with a
 * user message (some servers refuse anything else); a last message too big alone is cut short.
 */
export function fitConversation(messages: ChatMessage[]): ChatMessage[] {
  const encoder = new TextEncoder();
  const sizes = messages.map((m) => encoder.encode(m.content).length);
  let total = sizes.reduce((a, b) => a + b, 0);
  let start = 0;
  while (
    start < messages.length - 1 &&
    (total > MAX_CONVERSATION_BYTES || messages[start]?.role !== "user")
  ) {
    total -= sizes[start] ?? 0;
    start++;
  }
  const kept = messages.slice(start);
  const only = kept[0];
  if (kept.length !== 1 || !only || total <= MAX_CONVERSATION_BYTES) return kept;
  // A UTF-8 character takes at most 3 bytes per UTF-16 code unit; never leave half a surrogate pair.
  const head = only.content.slice(0, Math.floor(MAX_CONVERSATION_BYTES / 3)).replace(/[\uD800-\uDBFF]$/, "");
  return [{ role: only.role, content: `${head}\n[… truncated]` }];
}

const count = z.number().nonnegative().nullish();

export const WireUsageSchema = z.looseObject({
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count,
  prompt_tokens_details: z.looseObject({ cached_tokens: count }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: count }).nullish(),
});
export type WireUsage = z.infer<typeof WireUsageSchema>;

const finishReason = z.string().nullish();

/** One `data:` payload of a streamed response (`chat.completion.chunk`). */
export const ChatChunkSchema = z.looseObject({
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        delta: z.looseObject({ content: z.string().nullish() }).nullish(),
        finish_reason: finishReason,
      }),
    )
    .nullish(),
  usage: WireUsageSchema.nullish(),
  /** Some servers report a failure inside the stream instead of with an HTTP status. */
  error: z.union([z.string(), z.looseObject({ message: z.string().nullish() })]).nullish(),
});
export type ChatChunk = z.infer<typeof ChatChunkSchema>;

/** A whole `chat.completion`, for servers that answer a streaming request without a stream. */
export const ChatCompletionSchema = z.looseObject({
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({ content: z.string().nullish() }).nullish(),
        finish_reason: finishReason,
      }),
    )
    .nullish(),
  usage: WireUsageSchema.nullish(),
});

/** Error bodies: OpenAI's `{error: {message}}`, and the `{error: "…"}` of Ollama and others. */
export const ErrorBodySchema = z.looseObject({
  error: z.union([z.string(), z.looseObject({ message: z.string() })]),
});

export interface RequestOptions {
  model: string;
  temperature: number | undefined;
  maxTokens: number | undefined;
  system: string | undefined;
  messages: ChatMessage[];
  outputSchema: Record<string, unknown> | undefined;
}

/** The streaming request body; usage is asked for in the last chunk (`stream_options`). */
export function toRequestBody(o: RequestOptions): Record<string, unknown> {
  return {
    model: o.model,
    messages: [...(o.system ? [{ role: "system", content: o.system }] : []), ...o.messages],
    stream: true,
    stream_options: { include_usage: true },
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.maxTokens !== undefined ? { max_tokens: o.maxTokens } : {}),
    ...(o.outputSchema
      ? {
          response_format: {
            type: "json_schema",
            json_schema: { name: "output", schema: o.outputSchema, strict: true },
          },
        }
      : {}),
  };
}

/** OpenAI semantics carried over: prompt tokens include cached ones, completion includes reasoning. */
/**
 * Normalized usage of a turn. A server that reports none still gets its turn counted: tokens are
 * estimated from text length (about four characters a token) and marked `usage_source: estimated`.
 */
export function toUsage(
  wire: WireUsage | undefined,
  durationMs: number,
  model: string,
  sizes: { promptChars: number; answerChars: number },
): Usage & { usage_source: "observed" | "estimated" } {
  const duration_ms = Math.max(0, durationMs);
  if (!wire) {
    const input_tokens = Math.ceil(sizes.promptChars / 4);
    const output_tokens = Math.ceil(sizes.answerChars / 4);
    return {
      ...UsageSchema.parse({ input_tokens, output_tokens, duration_ms, model }),
      usage_source: "estimated",
    };
  }
  return {
    ...UsageSchema.parse({
      input_tokens: wire.prompt_tokens ?? undefined,
      cached_input_tokens: wire.prompt_tokens_details?.cached_tokens ?? undefined,
      output_tokens: wire.completion_tokens ?? undefined,
      reasoning_tokens: wire.completion_tokens_details?.reasoning_tokens ?? undefined,
      total_tokens: wire.total_tokens ?? undefined,
      duration_ms,
      model,
    }),
    usage_source: "observed",
  };
}

/** The answer as JSON; models that ignore `response_format` often wrap it in a ``` fence. */
export function parseStructured(text: string): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  const fenced = /^```[a-z]*\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  try {
    return { value: JSON.parse(fenced?.[1] ?? trimmed) as unknown };
  } catch (error) {
    return { error: `the answer is not JSON (${errorMessage(error)})` };
  }
}
