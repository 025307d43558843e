// A run's artifacts as its result holds them: every artifact_added event of one artifact id joined
// into one artifact (A2A streams an artifact as chunks with `append`). The events keep the chunks;
// text past an inline bound is stored apart, so the record and get_run stay small. Pure but for
// the injected store.
import { z } from "zod";
import { ArtifactRefSchema, chunkCount } from "./artifacts.ts";
import { DEFAULT_LIMITS } from "./sanitize.ts";
import { toBytes, truncateUtf8 } from "../../shared/runs/utf8.ts";

/** A joined artifact's text kept inline up to this many bytes of UTF-8; past it, a preview stays. */
const INLINE_TEXT_BYTES = DEFAULT_LIMITS.maxFieldBytes;
/** Inline text of all of a run's artifacts together, in bytes; a new chunk past it moves its artifact's text out. */
const INLINE_TOTAL_BYTES = 128 * 1024;
/** Non-text parts (data, files) one joined artifact keeps, as bytes of JSON; later ones are only counted. */
const INLINE_PARTS_BYTES = 4 * 1024;
/** Artifacts a result joins; the events of later artifact ids are only counted. */
export const MAX_JOINED_ARTIFACTS = 64;

export const JoinedArtifactSchema = z.object({
  artifact_id: z.string(),
  name: z.string().optional(),
  text: z
    .string()
    .optional()
    .describe("the text of every chunk, concatenated in order; only its beginning when text_ref is present"),
  text_ref: ArtifactRefSchema.optional().describe(
    "the whole text is stored apart: read it with get_event_artifact {run_id, artifact_id, offset, limit}",
  ),
  parts: z.array(z.record(z.string(), z.unknown())).describe("its data and file parts, in order"),
  parts_omitted: z
    .number()
    .optional()
    .describe(
      "data and file parts left out for size; the artifact_added events first_seq..last_seq hold them",
    ),
  /** How many artifact_added events were joined. */
  chunks: z.number(),
  /** Whether the agent marked a chunk as the artifact's last (absent when it never said). */
  last_chunk: z.boolean().optional(),
  first_seq: z.number(),
  last_seq: z.number(),
});
export type JoinedArtifact = z.infer<typeof JoinedArtifactSchema>;

/**
 * What the record stores: the view plus `held`, a trailing high surrogate not stored yet. Agents
 * that cut text by UTF-16 units split a character across chunks; its halves are stored together.
 */
export const StoredArtifactSchema = JoinedArtifactSchema.extend({ held: z.string().optional() });
export type StoredArtifact = z.infer<typeof StoredArtifactSchema>;

/** Where text that outgrew the record goes: one growing byte string per artifact id. */
export interface ArtifactTextStore {
  /** Appends `bytes` to the stored text of `artifactId`, which holds `at` bytes so far. */
  append(artifactId: string, at: number, bytes: Uint8Array): void;
  /** Forgets the stored text of `artifactId` (the agent replaced the artifact). */
  clear(artifactId: string): void;
}

const TEXT_MIME = "text/plain; charset=utf-8";

export function toArtifactView({ held: _held, ...view }: StoredArtifact): JoinedArtifact {
  return view;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const byteLength = (text: string | undefined): number => (text ? toBytes(text).length : 0);

/**
 * Folds one artifact_added event into `artifacts`: a chunk with `append` extends the artifact of
 * its id, one without starts (or replaces) it. An event without an artifact id is its own
 * artifact. Returns false when the artifact is past MAX_JOINED_ARTIFACTS and was not joined.
 */
export function joinArtifact(
  artifacts: StoredArtifact[],
  data: Record<string, unknown>,
  seq: number,
  store: ArtifactTextStore,
): boolean {
  const id = str(data.artifact_id) ?? `event-${seq}`;
  const at = artifacts.findIndex((x) => x.artifact_id === id);
  let a = artifacts[at];
  if (!a || data.append !== true) {
    if (!a && artifacts.length >= MAX_JOINED_ARTIFACTS) return false;
    if (a?.text_ref) store.clear(id);
    // A replaced artifact keeps its place in the list.
    a = { artifact_id: id, parts: [], chunks: 0, first_seq: seq, last_seq: seq };
    if (at >= 0) artifacts[at] = a;
    else artifacts.push(a);
  }
  const name = str(data.name);
  if (name) a.name = name;
  a.chunks += 1;
  a.last_seq = seq;
  if (typeof data.last_chunk === "boolean") a.last_chunk = data.last_chunk;
  addParts(a, data.parts);
  const text = str(data.text);
  if (text) addText(artifacts, a, text, store);
  return true;
}

function addParts(a: StoredArtifact, parts: unknown): void {
  if (!Array.isArray(parts)) return;
  let used = byteLength(JSON.stringify(a.parts));
  for (const part of parts) {
    if (!part || typeof part !== "object" || (part as { kind?: unknown }).kind === "text") continue;
    const size = byteLength(JSON.stringify(part));
    if (used + size <= INLINE_PARTS_BYTES) {
      a.parts.push(part as Record<string, unknown>);
      used += size;
    } else a.parts_omitted = (a.parts_omitted ?? 0) + 1;
  }
}

function addText(
  artifacts: StoredArtifact[],
  a: StoredArtifact,
  text: string,
  store: ArtifactTextStore,
): void {
  if (a.text_ref) return storeText(a, (a.held ?? "") + text, store);
  const joined = (a.text ?? "") + text;
  const size = byteLength(joined);
  const others = artifacts.reduce((n, x) => (x === a || x.text_ref ? n : n + byteLength(x.text)), 0);
  if (size <= INLINE_TEXT_BYTES && others + size <= INLINE_TOTAL_BYTES) {
    a.text = joined;
    return;
  }
  a.text = truncateUtf8(joined, DEFAULT_LIMITS.previewBytes);
  a.text_ref = { total_bytes: 0, mime: TEXT_MIME, chunk_count: chunkCount(0) };
  storeText(a, joined, store);
}

/** Stores `text` after what is stored, holding back a trailing high surrogate for the next chunk. */
function storeText(a: StoredArtifact, text: string, store: ArtifactTextStore): void {
  const last = text.charCodeAt(text.length - 1);
  const split = last >= 0xd800 && last <= 0xdbff;
  const bytes = toBytes(split ? text.slice(0, -1) : text);
  const ref = a.text_ref!;
  store.append(a.artifact_id, ref.total_bytes, bytes);
  ref.total_bytes += bytes.length;
  ref.chunk_count = chunkCount(ref.total_bytes);
  if (split) a.held = text.slice(-1);
  else delete a.held;
}
