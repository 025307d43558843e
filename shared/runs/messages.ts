// A2A-style input messages accepted by spawn_run and continue_run, and their plain-text view.
import { z } from "zod";
import { boundedJson, checkJsonLimits } from "../json-limits.ts";

const MAX_TEXT = 256 * 1024;
/**
 * Most bytes of one message as JSON. A run's record is one row of at most 2 MB in Durable Object
 * SQLite, and it holds the message beside the prompt, profile, output schema, metadata and config.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export const TextPartSchema = z.strictObject({ kind: z.literal("text"), text: z.string().max(MAX_TEXT) });
export const DataPartSchema = z.strictObject({
  kind: z.literal("data"),
  data: boundedJson(MAX_TEXT),
});
export const FilePartSchema = z.strictObject({
  kind: z.literal("file"),
  file: z
    .strictObject({
      name: z.string().max(512).optional(),
      mime_type: z.string().max(255).optional(),
      uri: z.url().optional(),
      bytes: z.base64().max(MAX_MESSAGE_BYTES).optional(),
    })
    .refine((f) => (f.uri === undefined) !== (f.bytes === undefined), {
      message: "expected exactly one of uri or bytes",
    }),
});

export const PartSchema = z.discriminatedUnion("kind", [TextPartSchema, DataPartSchema, FilePartSchema]);
export type Part = z.infer<typeof PartSchema>;

export const InputMessageSchema = z.strictObject({
  role: z.enum(["user", "agent"]).default("user"),
  parts: z.array(PartSchema).min(1, "expected at least one part").max(64),
});
export type InputMessage = z.infer<typeof InputMessageSchema>;

/**
 * For tools taking `prompt` and/or `input_message`: the message they build together stays within
 * MAX_MESSAGE_BYTES. Size only; the data parts' nesting is bounded by their own schema.
 */
export function refineMessageSize(
  v: { prompt?: string; input_message?: InputMessage },
  ctx: z.RefinementCtx,
): void {
  if (v.input_message === undefined) return; // a prompt alone is bounded by its own schema
  checkJsonLimits(toInputMessage(v.prompt, v.input_message), ctx, {
    maxBytes: MAX_MESSAGE_BYTES,
    maxDepth: Infinity,
    path: ["input_message"],
  });
}

/** Builds the message a backend receives from `prompt` and/or `input_message`. */
export function toInputMessage(prompt: string | undefined, message: InputMessage | undefined): InputMessage {
  const parts: Part[] = [];
  if (prompt !== undefined) parts.push({ kind: "text", text: prompt });
  if (message) parts.push(...message.parts);
  return { role: message?.role ?? "user", parts };
}

/** The text of a message, for backends that take plain prompts; data parts become JSON. */
export function toPlainText(message: InputMessage): string {
  return message.parts
    .map((p) =>
      p.kind === "text"
        ? p.text
        : p.kind === "data"
          ? JSON.stringify(p.data)
          : `[file ${p.file.name ?? p.file.uri ?? ""}]`,
    )
    .join("\n\n");
}
