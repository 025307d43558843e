// UTF-8 byte arithmetic for previews and artifact pages: cut only at character boundaries.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const toBytes = (text: string): Uint8Array => encoder.encode(text);
export const fromBytes = (bytes: Uint8Array): string => decoder.decode(bytes);

/** True when `bytes[i]` continues a multi-byte character (bit pattern 10xxxxxx). */
export const isContinuation = (bytes: Uint8Array, i: number): boolean => ((bytes[i] ?? 0) & 0xc0) === 0x80;

/** The largest index ≤ `i` that starts a character (or equals bytes.length). */
export function boundaryAtOrBefore(bytes: Uint8Array, i: number): number {
  let at = Math.min(i, bytes.length);
  while (at > 0 && at < bytes.length && isContinuation(bytes, at)) at--;
  return at;
}

/** The smallest index ≥ `i` that starts a character (or equals bytes.length). */
export function boundaryAtOrAfter(bytes: Uint8Array, i: number): number {
  let at = Math.max(0, i);
  while (at < bytes.length && isContinuation(bytes, at)) at++;
  return at;
}

/** The first at most `maxBytes` bytes of `text`, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = toBytes(text);
  if (bytes.length <= maxBytes) return text;
  return fromBytes(bytes.subarray(0, boundaryAtOrBefore(bytes, maxBytes)));
}
