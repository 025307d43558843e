// Bounded reads: `fields` projects items, `detail: summary` shortens them, and
// `max_bytes` caps the answer's JSON. An answer over budget drops items from its end and says how
// many were left out and how to fetch them (a cursor, an after_seq, an offset).
import { z } from "zod";
import { truncateUtf8 } from "../../shared/runs/utf8.ts";

export const BoundedShape = {
  fields: z
    .array(z.string().max(64))
    .min(1)
    .max(64)
    .optional()
    .describe("Keep only these top-level fields of each item."),
  detail: z.enum(["summary", "full"]).default("full").describe("summary shortens long strings inside items."),
  max_bytes: z
    .number()
    .int()
    .min(512)
    .max(4 * 1024 * 1024)
    .optional()
    .describe("Upper bound on the answer's JSON size."),
};
export type BoundedOptions = { fields?: string[]; detail: "summary" | "full"; max_bytes?: number };

export const TruncatedSchema = z
  .object({
    omitted_items: z.number(),
    max_bytes: z.number(),
    how_to_get: z.string(),
  })
  .optional();

const SUMMARY_STRING_BYTES = 240;

/** Shortens every long string inside a value (detail: summary). */
export function summarize(value: unknown): unknown {
  if (typeof value === "string")
    return value.length > SUMMARY_STRING_BYTES ? `${truncateUtf8(value, SUMMARY_STRING_BYTES)}…` : value;
  if (Array.isArray(value)) return value.map(summarize);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarize(v)]));
  return value;
}

export function project<T extends object>(item: T, options: BoundedOptions): Partial<T> {
  const detailed = options.detail === "summary" ? (summarize(item) as T) : item;
  if (!options.fields) return detailed;
  return Object.fromEntries(
    options.fields.filter((f) => f in detailed).map((f) => [f, (detailed as Record<string, unknown>)[f]]),
  ) as Partial<T>;
}

const size = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/**
 * An item too large for the budget on its own, reduced to its identifying fields so paging still
 * advances past it; the caller says how to read it whole.
 */
export function reduceItem<T extends object>(
  item: T,
  keep: readonly (keyof T)[],
): Partial<T> & { trimmed: true } {
  return {
    ...Object.fromEntries(keep.filter((k) => k in item).map((k) => [k, item[k]])),
    trimmed: true,
  } as Partial<T> & { trimmed: true };
}

/**
 * Fits `build(items)` under max_bytes by keeping the longest prefix of items that fits (binary
 * search: log n sizings, not n). Returns the answer and how many items were kept.
 */
export function fitToBudget<I, R>(
  items: I[],
  maxBytes: number | undefined,
  build: (kept: I[]) => R,
): { answer: R; kept: number } {
  const full = build(items);
  if (maxBytes === undefined || size(full) <= maxBytes) return { answer: full, kept: items.length };
  let lo = 0;
  let hi = items.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (size(build(items.slice(0, mid))) <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  return { answer: build(items.slice(0, lo)), kept: lo };
}
