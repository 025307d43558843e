// Paging over an artifact's bytes: which chunks a byte range touches, and how to cut a page so it
// never splits a UTF-8 character. The chunk rows themselves live in run-log.ts.
import { z } from "zod";
import { boundaryAtOrAfter, boundaryAtOrBefore, fromBytes } from "../../shared/runs/utf8.ts";

/** Bytes per stored chunk row; a page of at most 256 KiB touches at most three chunks. */
export const CHUNK_BYTES = 128 * 1024;
/** Largest page `get_event_artifact` returns, in bytes. */
export const MAX_PAGE_BYTES = 262_144;

/** Where stored bytes are described: their size, type and how many chunk rows hold them. */
export const ArtifactRefSchema = z.object({
  total_bytes: z.number(),
  mime: z.string(),
  chunk_count: z.number(),
});
export type ArtifactRef = z.infer<typeof ArtifactRefSchema>;

/** Rows `totalBytes` take; nothing stored still counts as one (empty) chunk. */
export const chunkCount = (totalBytes: number): number => Math.max(1, Math.ceil(totalBytes / CHUNK_BYTES));

export function splitChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) chunks.push(bytes.subarray(at, at + CHUNK_BYTES));
  return chunks.length ? chunks : [new Uint8Array()];
}

export interface ArtifactPage {
  /** Where the page really starts: `offset` moved forward to a character boundary if needed. */
  offset: number;
  /** Where the next page starts. */
  next_offset: number;
  total_bytes: number;
  has_more: boolean;
  mime: string;
  text: string;
}

/**
 * Reads `[offset, offset+limit)` of an artifact through `readChunks(first, last)` (inclusive chunk
 * indices), moving both ends to character boundaries. A limit smaller than one character still
 * returns that character, so paging always advances.
 */
export function readPage(
  ref: ArtifactRef,
  offset: number,
  limit: number,
  readChunks: (first: number, last: number) => Uint8Array[],
): ArtifactPage {
  const total = ref.total_bytes;
  if (offset >= total)
    return {
      offset: total,
      next_offset: total,
      total_bytes: total,
      has_more: false,
      mime: ref.mime,
      text: "",
    };
  // Read 4 bytes past the range: enough to see whether the cut lands inside a character.
  const windowEnd = Math.min(total, offset + limit + 4);
  const first = Math.floor(offset / CHUNK_BYTES);
  const last = Math.floor((windowEnd - 1) / CHUNK_BYTES);
  const joined = concat(readChunks(first, last));
  const base = first * CHUNK_BYTES;
  const window = joined.subarray(offset - base, windowEnd - base);

  const start = boundaryAtOrAfter(window, 0);
  let end = boundaryAtOrBefore(window, Math.min(window.length, limit));
  if (end <= start) end = boundaryAtOrAfter(window, start + 1);
  const nextOffset = offset + end;
  return {
    offset: offset + start,
    next_offset: nextOffset,
    total_bytes: total,
    has_more: nextOffset < total,
    mime: ref.mime,
    text: fromBytes(window.subarray(start, end)),
  };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
