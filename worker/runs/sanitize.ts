// Moves oversized fields of an event out to artifacts so a stored event stays small: a preview
// stays in the event, the full bytes behind `data.artifact_refs[<json-pointer>]`. Storage of the
// extracted bytes is the caller's job.
import { toPointer } from "./json-pointer.ts";
import { toBytes, truncateUtf8 } from "../../shared/runs/utf8.ts";

/** Limits in bytes of UTF-8. */
export interface SanitizeLimits {
  /** A string field longer than this becomes an artifact. */
  maxFieldBytes: number;
  /** The whole event's JSON stays under this; the largest subtrees move out until it does. */
  maxEventBytes: number;
  /** How much of a moved field stays in the event as its preview. */
  previewBytes: number;
}

export const DEFAULT_LIMITS: SanitizeLimits = {
  maxFieldBytes: 16 * 1024,
  maxEventBytes: 64 * 1024,
  previewBytes: 2048,
};

export interface ExtractedField {
  pointer: string;
  bytes: Uint8Array;
  mime: "text/plain; charset=utf-8" | "application/json";
}

export interface Sanitized {
  data: Record<string, unknown>;
  extracted: ExtractedField[];
}

type Json = unknown;

/** Returns a copy of `data` with oversized parts replaced by previews, plus what was taken out. */
export function sanitizeEventData(
  data: Record<string, unknown>,
  limits: SanitizeLimits = DEFAULT_LIMITS,
): Sanitized {
  const extracted: ExtractedField[] = [];
  const walk = (value: Json, path: (string | number)[]): Json => {
    if (typeof value === "string") {
      if (toBytes(value).length <= limits.maxFieldBytes) return value;
      extracted.push({ pointer: toPointer(path), bytes: toBytes(value), mime: "text/plain; charset=utf-8" });
      return truncateUtf8(value, limits.previewBytes);
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  const out = walk(data, []) as Record<string, unknown>;

  // Many medium fields can still add up: move the largest containers out as JSON until it fits.
  while (toBytes(JSON.stringify(out)).length > limits.maxEventBytes) {
    const largest = largestContainer(out);
    if (!largest) break;
    const json = JSON.stringify(largest.value);
    extracted.push({ pointer: toPointer(largest.path), bytes: toBytes(json), mime: "application/json" });
    setAt(out, largest.path, truncateUtf8(json, limits.previewBytes));
  }
  return { data: out, extracted };
}

function largestContainer(
  root: Record<string, unknown>,
): { path: (string | number)[]; value: Json } | undefined {
  let best: { path: (string | number)[]; value: Json; size: number } | undefined;
  const visit = (value: Json, path: (string | number)[]) => {
    if (value === null || typeof value !== "object") return;
    const size = JSON.stringify(value).length;
    // Never the root itself: the event must keep its shape and its small fields.
    if (path.length > 0 && (!best || size > best.size)) best = { path, value, size };
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [k, v] of entries) visit(v, [...path, k]);
  };
  visit(root, []);
  return best;
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = root;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
}
