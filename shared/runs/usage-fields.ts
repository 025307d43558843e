// The names of a turn's token counts and of the sums kept per run — plain lists without zod, so
// the dashboard's bundle can take them (usage.ts holds the schemas built from them).
/** A turn's token counts, in the order every schema, index column and metric lists them. */
export const TOKEN_FIELDS = [
  "input_tokens",
  "cached_input_tokens",
  "output_tokens",
  "reasoning_tokens",
  "total_tokens",
] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];

/**
 * What a run's usage totals add up over its turns, in order: the token counts, the cost (USD),
 * the tokens of turns nobody priced, and the turns (usage events) themselves. The run index keeps
 * a column for each and get_metrics sums them.
 */
export const USAGE_SUMS = [...TOKEN_FIELDS, "cost_usd", "unpriced_tokens", "turns"] as const;
export type UsageSum = (typeof USAGE_SUMS)[number];
