// Turn usage normalized the same way for every backend (edge or runner): token counts, duration,
// model, and cost — as reported, priced from the configured price table, or unpriced. Numbers out of
// range are refused here, once, so they reach neither billing nor budgets nor metrics.
import { z } from "zod";
import { fieldsOf } from "./fields-of.ts";
import { TOKEN_FIELDS } from "./usage-fields.ts";

export { TOKEN_FIELDS, USAGE_SUMS, type TokenField, type UsageSum } from "./usage-fields.ts";

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

/**
 * A `usage` event's data as a backend emits it (edge or runner). Counts it does not know are 0,
 * `total_tokens` is derived when absent, `cost_usd` only where the backend reports it.
 */
export const UsageSchema = z.object({
  ...fieldsOf(TOKEN_FIELDS, z.number().nonnegative().default(0)),
  total_tokens: z.number().nonnegative().optional(),
  duration_ms: z.number().nonnegative().optional(),
  cost_usd: z.number().nonnegative().optional(),
  model: z.string().optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const NormalizedUsageSchema = z.object({
  ...fieldsOf(TOKEN_FIELDS, z.number()),
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

/**
 * Most tokens one usage event may claim, in any count and in total. A turn is one model call or a
 * short agent turn; 100M tokens is far beyond any context window, and a count past it is a bug or
 * a lie that would otherwise stop every run of its tree on budget and skew the tenant's metrics.
 */
export const MAX_TOKENS_PER_EVENT = 100_000_000;
/** Most USD one usage event may report: 100M tokens at $100 per million. */
export const MAX_COST_USD_PER_EVENT = 10_000;
/** Longest turn a usage event may report (ms): a week, past any run's timeout. */
export const MAX_DURATION_MS_PER_EVENT = 7 * 24 * 3600 * 1000;

/** A number from 0 to `max` (a whole one when `whole`); a refusal says what was expected. */
const upTo = (max: number, what: string, whole = false) => {
  const expected = `expected ${what} from 0 to ${max}`;
  const n = z.number(expected).min(0, expected).max(max, expected);
  return (whole ? n.int(expected) : n).optional();
};
const tokens = upTo(MAX_TOKENS_PER_EVENT, "a whole number of tokens", true);

/** A usage event's fields as they may be billed: finite, non-negative, whole tokens, within the caps. */
const ReportedUsageSchema = z
  .object({
    ...fieldsOf(TOKEN_FIELDS, tokens),
    duration_ms: upTo(MAX_DURATION_MS_PER_EVENT, "a duration in ms"),
    cost_usd: upTo(MAX_COST_USD_PER_EVENT, "a cost in USD"),
    model: z
      .string("expected a model name")
      .max(256, "expected a model name of at most 256 characters")
      .optional(),
  })
  .refine(
    (u) => (u.input_tokens ?? 0) + (u.output_tokens ?? 0) + (u.reasoning_tokens ?? 0) <= MAX_TOKENS_PER_EVENT,
    { message: `expected at most ${MAX_TOKENS_PER_EVENT} tokens in one usage event`, path: ["total_tokens"] },
  );

/**
 * What a usage event with numbers out of range is stored as: the numbers dropped, the first
 * offending field named. It counts towards nothing (applyEvent only adds NormalizedUsage).
 */
export type UsageAnomaly = {
  backend: string;
  anomaly: { code: "usage_out_of_range"; field: string; message: string };
};

/**
 * Normalizes a `usage` event's data; fields the backend did not give count as zero. Numbers out
 * of range (negative, fractional tokens, past the per-event caps, not numbers) make the whole
 * event an anomaly: one wrong count means the others cannot be trusted either.
 */
export function normalizeUsage(
  data: Record<string, unknown>,
  backend: string,
  prices: PriceTable,
): NormalizedUsage | UsageAnomaly {
  const parsed = ReportedUsageSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || "usage";
    return {
      backend,
      anomaly: { code: "usage_out_of_range", field, message: `${field}: ${issue?.message ?? "invalid"}` },
    };
  }
  const u = parsed.data;
  const input = u.input_tokens ?? 0;
  const output = u.output_tokens ?? 0;
  const reasoning = u.reasoning_tokens ?? 0;
  const cached = u.cached_input_tokens ?? 0;
  const price = u.model ? prices[u.model] : undefined;
  let cost: number | undefined = u.cost_usd;
  let cost_source: NormalizedUsage["cost_source"] = "reported";
  if (cost === undefined && price) {
    // Cached input is part of input; it is billed at its own rate where one is given. A backend
    // counting cached tokens apart (more cached than input) must not make the cost negative.
    const cachedRate = price.cached_input_per_mtok ?? price.input_per_mtok;
    cost =
      (Math.max(0, input - cached) * price.input_per_mtok +
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
