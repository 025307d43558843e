// Turn usage normalized the same way for every backend (issue 4 "Turn metrics"): token counts,
// duration, model, and cost — as reported, priced from the configured price table, or unpriced.
import { z } from "zod";
import { UsageSchema } from "./events.ts";

/** USD per million tokens, by model name; from SWITCHYARD_PRICES (JSON). */
export const PriceTableSchema = z.record(
  z.string(),
  z.object({
    input_per_mtok: z.number().nonnegative(),
    cached_input_per_mtok: z.number().nonnegative().optional(),
    output_per_mtok: z.number().nonnegative(),
  }),
);
export type PriceTable = z.infer<typeof PriceTableSchema>;

export function parsePriceTable(raw: string | undefined): PriceTable {
  if (!raw) return {};
  const parsed = PriceTableSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`SWITCHYARD_PRICES: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

export const NormalizedUsageSchema = z.object({
  input_tokens: z.number(),
  cached_input_tokens: z.number(),
  output_tokens: z.number(),
  reasoning_tokens: z.number(),
  total_tokens: z.number(),
  duration_ms: z.number().optional(),
  model: z.string().optional(),
  backend: z.string(),
  cost_usd: z.number().optional(),
  /** `reported` by the backend, `priced` from the price table, or `unpriced`. */
  cost_source: z.enum(["reported", "priced", "unpriced"]),
  /** `observed`: the backend counted the tokens; `estimated`: derived from text length. */
  usage_source: z.enum(["observed", "estimated"]),
});
export type NormalizedUsage = z.infer<typeof NormalizedUsageSchema>;

/** Normalizes a `usage` event's data; fields the backend did not give count as zero. */
export function normalizeUsage(
  data: Record<string, unknown>,
  backend: string,
  prices: PriceTable,
): NormalizedUsage {
  const u = UsageSchema.partial().parse(data);
  const input = u.input_tokens ?? 0;
  const output = u.output_tokens ?? 0;
  const reasoning = u.reasoning_tokens ?? 0;
  const cached = u.cached_input_tokens ?? 0;
  const price = u.model ? prices[u.model] : undefined;
  let cost: number | undefined = u.cost_usd;
  let cost_source: NormalizedUsage["cost_source"] = "reported";
  if (cost === undefined && price) {
    // Cached input is part of input; it is billed at its own rate where one is given.
    const cachedRate = price.cached_input_per_mtok ?? price.input_per_mtok;
    cost =
      ((input - cached) * price.input_per_mtok +
        cached * cachedRate +
        (output + reasoning) * price.output_per_mtok) /
      1e6;
    cost_source = "priced";
  } else if (cost === undefined) cost_source = "unpriced";
  return {
    input_tokens: input,
    cached_input_tokens: cached,
    output_tokens: output,
    reasoning_tokens: reasoning,
    total_tokens: u.total_tokens ?? input + output + reasoning,
    ...(u.duration_ms !== undefined ? { duration_ms: u.duration_ms } : {}),
    ...(u.model ? { model: u.model } : {}),
    backend,
    ...(cost !== undefined ? { cost_usd: cost } : {}),
    cost_source,
    usage_source: data.usage_source === "estimated" ? "estimated" : "observed",
  };
}
