// Conversions between Switchyard message parts and A2A 1.0 (protobuf-shaped) parts, plus reading
// text, structured data and token usage out of A2A messages. Pure; no I/O.
import { Buffer } from "node:buffer";
import { Role, type Message, type Part as A2aPart } from "@a2a-js/sdk";
import { z } from "zod";
import { UsageSchema, type Usage } from "../../../shared/runs/usage.ts";
import { partsForAgent, type InputMessage, type Part } from "../../../shared/runs/messages.ts";

const blank = { metadata: undefined, filename: "", mediaType: "" };

/** A Switchyard part as the A2A client sends it. */
export function toA2aPart(part: Part): A2aPart {
  switch (part.kind) {
    case "text":
      return { ...blank, content: { $case: "text", value: part.text }, mediaType: "text/plain" };
    case "data":
      return { ...blank, content: { $case: "data", value: part.data }, mediaType: "application/json" };
    case "file": {
      const meta = {
        metadata: undefined,
        filename: part.file.name ?? "",
        mediaType: part.file.mime_type ?? "",
      };
      return part.file.uri !== undefined
        ? { ...meta, content: { $case: "url", value: part.file.uri } }
        : { ...meta, content: { $case: "raw", value: Buffer.from(part.file.bytes ?? "", "base64") } };
    }
  }
}

/**
 * The A2A message for a Switchyard input message, addressed to a task/context when continuing.
 * `metadata` travels as the message's metadata (the run's cwd, output schema and profile); A2A
 * has no system role, so a system message goes as the user's, behind its opening line.
 */
export function toA2aMessage(
  message: InputMessage,
  ids: { taskId?: string; contextId?: string },
  metadata?: Record<string, unknown>,
): Message {
  return {
    messageId: crypto.randomUUID(),
    taskId: ids.taskId ?? "",
    contextId: ids.contextId ?? "",
    role: message.role === "agent" ? Role.ROLE_AGENT : Role.ROLE_USER,
    parts: partsForAgent(message).map(toA2aPart),
    metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/** An A2A part as Switchyard events carry it (the `Part` shape of runs/messages.ts). */
export function fromA2aPart(part: A2aPart): Part | undefined {
  const file = {
    ...(part.filename ? { name: part.filename } : {}),
    ...(part.mediaType ? { mime_type: part.mediaType } : {}),
  };
  switch (part.content?.$case) {
    case "text":
      return { kind: "text", text: part.content.value };
    case "data":
      return {
        kind: "data",
        data: isRecord(part.content.value) ? part.content.value : { value: part.content.value },
      };
    case "url":
      return { kind: "file", file: { ...file, uri: part.content.value } };
    case "raw":
      return { kind: "file", file: { ...file, bytes: toBase64(part.content.value) } };
    default:
      return undefined;
  }
}

export const fromA2aParts = (parts: readonly A2aPart[]): Part[] =>
  parts.flatMap((p) => {
    const converted = fromA2aPart(p);
    return converted ? [converted] : [];
  });

/** Text parts joined by newlines; undefined when there are none. */
export function textOf(parts: readonly A2aPart[]): string | undefined {
  const texts = parts.flatMap((p) => (p.content?.$case === "text" ? [p.content.value] : []));
  return texts.length ? texts.join("\n") : undefined;
}

/** The value of the last data part that holds an object, if any (the agent's structured output). */
export function dataOf(parts: readonly A2aPart[]): Record<string, unknown> | undefined {
  for (const p of [...parts].reverse()) {
    if (p.content?.$case === "data" && isRecord(p.content.value)) return p.content.value;
  }
  return undefined;
}

export const isAgentMessage = (m: Message): boolean => m.role === Role.ROLE_AGENT;

const count = z.number().nonnegative().optional();
/** Token counts agents report under `metadata.usage`, in the spellings seen in the wild. */
const MetadataUsageSchema = z.looseObject({
  input_tokens: count,
  inputTokens: count,
  prompt_tokens: count,
  cached_input_tokens: count,
  cachedInputTokens: count,
  cache_read_input_tokens: count,
  output_tokens: count,
  outputTokens: count,
  completion_tokens: count,
  reasoning_tokens: count,
  reasoningTokens: count,
  total_tokens: count,
  totalTokens: count,
  duration_ms: count,
  cost_usd: count,
  model: z.string().optional(),
});

/** Normalized usage from `metadata.usage`, or undefined when the metadata reports none. */
export function usageFrom(metadata: Record<string, unknown> | undefined): Usage | undefined {
  const parsed = MetadataUsageSchema.safeParse(metadata?.usage);
  if (!parsed.success) return undefined;
  const u = parsed.data;
  const normalized = {
    input_tokens: u.input_tokens ?? u.inputTokens ?? u.prompt_tokens,
    cached_input_tokens: u.cached_input_tokens ?? u.cachedInputTokens ?? u.cache_read_input_tokens,
    output_tokens: u.output_tokens ?? u.outputTokens ?? u.completion_tokens,
    reasoning_tokens: u.reasoning_tokens ?? u.reasoningTokens,
    total_tokens: u.total_tokens ?? u.totalTokens,
    duration_ms: u.duration_ms,
    cost_usd: u.cost_usd,
    model: u.model,
  };
  const reported = Object.fromEntries(Object.entries(normalized).filter(([, v]) => v !== undefined));
  return Object.keys(reported).length ? UsageSchema.parse(reported) : undefined;
}
