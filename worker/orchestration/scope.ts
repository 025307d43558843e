// What a caller holding a run token (an orchestrating run's agent) may reach: the runs below its
// own run, and nothing else of the tenant. One rule, `withinScope`, which the tenant applies; tools
// consult it through `assertInScope`/`outOfScope` before touching a run or an agent, and
// mcp/server.ts through `mayCall`. Which agent it acts as is agents/agent-mail.ts `actingAs`.
import { SwitchyardError } from "../../shared/errors.ts";
import { Redactor } from "../../shared/runs/redact.ts";
import { RUN_TOKEN_SHAPE, RUN_TOKEN_TOOLS } from "../../shared/runs/run-token.ts";
import type { ToolContext } from "../mcp/tool.ts";
import { tenantStub } from "../objects/stubs.ts";
import type { RunIndex } from "../runs/run-index.ts";

/** The run whose token the caller holds, and that run's agent (the one it sends and fetches as). */
export interface RunScope {
  run_id: string;
  agent_name: string;
}

/** Lanes, metrics and runners are the tenant's, not the run's, to see: only the run tools are open. */
const SCOPED_TOOLS: ReadonlySet<string> = new Set(RUN_TOKEN_TOOLS);

export const mayCall = (scope: RunScope | undefined, toolName: string): boolean =>
  scope === undefined || SCOPED_TOOLS.has(toolName);

const RUN_TOKENS = new Redactor([], [RUN_TOKEN_SHAPE]);

/**
 * A run-scoped caller's arguments with every run token taken out: an agent that pastes its token
 * into a child's prompt or a follow-up must not get it stored in that run's record or log.
 */
export const withoutRunTokens = <T>(scope: RunScope | undefined, args: T): T =>
  scope ? RUN_TOKENS.deep(args) : args;

/**
 * The rule: a run is the scoped caller's when it lies below the caller's run. `self` admits the
 * caller's own run too (a spawn's parent); reads, waits and cancels never take it.
 */
export function withinScope(index: RunIndex, scopeRunId: string, runId: string, self = false): boolean {
  return (self && runId === scopeRunId) || index.descends(runId, scopeRunId);
}

/** The runs of `runIds` outside the caller's scope; none for an unscoped caller. */
export async function outOfScope(ctx: ToolContext, runIds: readonly string[]): Promise<Set<string>> {
  if (!ctx.scope || runIds.length === 0) return new Set();
  const tenant = await tenantStub(ctx.env, ctx.tenant);
  return new Set(await tenant.outsideScope(ctx.scope.run_id, [...runIds]));
}

/**
 * Refuses every run of `runs` outside the caller's scope as not_found, the answer a run that does
 * not exist gets: a scoped caller learns nothing of the rest of the tenant.
 */
export async function assertInScope(
  ctx: ToolContext,
  runs: readonly { run_id: string; field: string }[],
): Promise<void> {
  const outside = await outOfScope(
    ctx,
    runs.map((r) => r.run_id),
  );
  const first = runs.find((r) => outside.has(r.run_id));
  if (first)
    throw new SwitchyardError("not_found", `${first.field}: no run "${first.run_id}"`, {
      field: first.field,
    });
}
