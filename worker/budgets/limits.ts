// Budgets: per tenant, the most runs live at once; per run tree (a run and everything
// spawned under it), the most runs and a token budget. Defaults come from variables; a spawn may
// only tighten them.
import { z } from "zod";
import { SwitchyardError } from "../../shared/errors.ts";
import type { Env } from "../env.ts";

export const BudgetSchema = z.strictObject({
  max_concurrent_runs: z.number().int().min(1).optional().describe("Tighter tenant-wide cap on live runs."),
  max_tree_runs: z.number().int().min(1).optional().describe("Most runs in this run tree."),
  tree_token_budget: z.number().int().min(1).optional().describe("Most tokens this run tree may spend."),
});
export type Budget = z.infer<typeof BudgetSchema>;
export type Limits = Required<Budget>;

export const DEFAULT_LIMITS: Limits = {
  max_concurrent_runs: 100,
  max_tree_runs: 500,
  tree_token_budget: 50_000_000,
};

const fromVar = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

export function tenantLimits(env: Env): Limits {
  return {
    max_concurrent_runs: fromVar(env.SWITCHYARD_MAX_CONCURRENT_RUNS, DEFAULT_LIMITS.max_concurrent_runs),
    max_tree_runs: fromVar(env.SWITCHYARD_MAX_TREE_RUNS, DEFAULT_LIMITS.max_tree_runs),
    tree_token_budget: fromVar(env.SWITCHYARD_TREE_TOKEN_BUDGET, DEFAULT_LIMITS.tree_token_budget),
  };
}

/** The tighter of two limit sets, field by field. */
export function tighten(limits: Limits, budget: Budget | undefined): Limits {
  return {
    max_concurrent_runs: Math.min(limits.max_concurrent_runs, budget?.max_concurrent_runs ?? Infinity),
    max_tree_runs: Math.min(limits.max_tree_runs, budget?.max_tree_runs ?? Infinity),
    tree_token_budget: Math.min(limits.tree_token_budget, budget?.tree_token_budget ?? Infinity),
  };
}

export function refuseOver(field: string, what: string, limit: number, current: number): void {
  if (current < limit) return;
  throw new SwitchyardError("budget_exceeded", `${field}: ${what} limit is ${limit}, current is ${current}`, {
    field,
  });
}
