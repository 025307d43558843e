// Messages: the one stored shape (A2A-style, `kind`-tagged parts) that records, events, dispatch
// frames and inboxes hold and tools answer with; the shapes tools accept (that one, or the
// orchestration-mcp shape with `type`-tagged parts), normalised once here; their plain-text view.
import { z } from "zod";
import { boundedJson, checkJsonLimits } from "../json-limits.ts";

const MAX_TEXT = 256 * 1024;
/**
 * Most bytes of one message as JSON. A run's record is one row of at most 2 MB in Durable Object
 * SQLite, and it holds the message beside the prompt, profile, output schema, metadata and config.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const FileFields = {
  name: z.string().max(512).optional(),
  mime_type: z.string().max(255).optional(),
  uri: z.url().optional(),
};
const ONE_SOURCE = "expected exactly one of uri or bytes";

export const TextPartSchema = z.strictObject({ kind: z.literal("text"), text: z.string().max(MAX_TEXT) });
export const DataPartSchema = z.strictObject({
  kind: z.literal("data"),
  data: boundedJson(MAX_TEXT),
});
export const FilePartSchema = z.strictObject({
  kind: z.literal("file"),
  file: z
    .strictObject({ ...FileFields, bytes: z.base64().max(MAX_MESSAGE_BYTES).optional() })
    .refine((f) => (f.uri === undefined) !== (f.bytes === undefined), { message: ONE_SOURCE }),
});

export const PartSchema = z.discriminatedUnion("kind", [TextPartSchema, DataPartSchema, FilePartSchema]);
export type Part = z.infer<typeof PartSchema>;

/**
 * `system`: instructions from the orchestrator rather than a user's words; the agent gets them as
 * a turn opened by SYSTEM_LINE. `metadata` is kept with the message (records, events, inboxes)
 * for correlation and never sent to the agent.
 */
const MessageFields = {
  role: z.enum(["user", "agent", "system"]).default("user"),
  metadata: boundedJson(16 * 1024).optional(),
};

export const InputMessageSchema = z.strictObject({
  ...MessageFields,
  parts: z.array(PartSchema).min(1, "expected at least one part").max(64),
});
export type InputMessage = z.infer<typeof InputMessageSchema>;

/** The orchestration-mcp part shapes: `type`-tagged, a file's fields flat, its bytes as bytes_base64. */
const SeedPartSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), text: z.string().min(1).max(MAX_TEXT) }),
  z.strictObject({ type: z.literal("data"), data: boundedJson(MAX_TEXT) }),
  z
    .strictObject({
      type: z.literal("file"),
      ...FileFields,
      bytes_base64: z.base64().max(MAX_MESSAGE_BYTES).optional(),
    })
    .refine((f) => (f.uri === undefined) !== (f.bytes_base64 === undefined), {
      message: "expected exactly one of uri or bytes_base64",
    }),
]);

function fromSeedPart(part: z.output<typeof SeedPartSchema>): Part {
  if (part.type === "text") return { kind: "text", text: part.text };
  if (part.type === "data") return { kind: "data", data: part.data };
  const { type: _tag, bytes_base64, ...file } = part;
  return { kind: "file", file: { ...file, ...(bytes_base64 !== undefined ? { bytes: bytes_base64 } : {}) } };
}

/** A part in either shape, as the stored `Part`. */
const GivenPartSchema = z.union([PartSchema, SeedPartSchema.transform(fromSeedPart)], {
  error: 'expected a part tagged by kind ("text" | "data" | "file") or by type ("text" | "data" | "file")',
});

/** What tools take as a message: either shape, normalised to InputMessage. */
export const GivenMessageSchema = z.strictObject({
  ...MessageFields,
  parts: z.array(GivenPartSchema).min(1, "expected at least one part").max(64),
});

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
  return {
    role: message?.role ?? "user",
    ...(message?.metadata !== undefined ? { metadata: message.metadata } : {}),
    parts,
  };
}

/** The line a `system` message opens with when an agent gets it. */
export const SYSTEM_LINE = "[system] Instructions from the orchestrator:";

/** The parts an agent gets for a message: a system message's behind SYSTEM_LINE. */
export function partsForAgent(message: InputMessage): Part[] {
  return message.role === "system" ? [{ kind: "text", text: SYSTEM_LINE }, ...message.parts] : message.parts;
}

/** The text of a message, for backends that take plain prompts; data parts become JSON. */
export function toPlainText(message: InputMessage): string {
  return partsForAgent(message)
    .map((p) =>
      p.kind === "text"
        ? p.text
        : p.kind === "data"
          ? JSON.stringify(p.data)
          : `[file ${p.file.name ?? p.file.uri ?? ""}]`,
    )
    .join("\n\n");
}
