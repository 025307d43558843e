// How tools reach a run: resolve run_id or agent_name within the caller's tenant (and, for a
// run-scoped caller, its scope), then the run's object. An id of another tenant, or outside the
// caller's scope, resolves exactly like an id that does not exist.
import { SwitchyardError, isSwitchyardError } from "../../shared/errors.ts";
import { runStub, tenantStub, type RunRpc } from "../objects/stubs.ts";
import { assertInScope, outOfScope } from "../orchestration/scope.ts";
import { RUN_ID_PATTERN } from "../runs/ids.ts";
import type { RunRecord } from "../runs/run-record.ts";
import type { ToolContext } from "./tool.ts";

/** Not found, naming the field that gave the run id. */
export const noRun = (field: string, id: string) =>
  new SwitchyardError("not_found", `${field}: no run "${id}"`, { field });

/**
 * A call to a run's object whose own "run not found" (an object holding no run) becomes noRun of
 * the field that named it; every other outcome passes through.
 */
export async function naming<T>(field: string, runId: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (isSwitchyardError(error) && error.code === "not_found" && error.field === undefined)
      throw noRun(field, runId);
    throw error;
  }
}

export async function resolveRunId(
  ctx: ToolContext,
  sel: { run_id?: string; agent_name?: string },
  field = "run_id",
): Promise<string> {
  if (sel.run_id !== undefined) {
    if (!RUN_ID_PATTERN.test(sel.run_id)) throw noRun(field, sel.run_id);
    await assertInScope(ctx, [{ run_id: sel.run_id, field }]);
    return sel.run_id;
  }
  const noAgent = new SwitchyardError("not_found", `agent_name: no agent "${sel.agent_name}"`, {
    field: "agent_name",
  });
  const latest = await (await tenantStub(ctx.env, ctx.tenant)).latestRunOf(sel.agent_name!);
  // An agent whose newest run is outside the caller's scope is answered as no agent at all.
  if (!latest || (await outOfScope(ctx, [latest])).size) throw noAgent;
  return latest;
}

/** The run's object stub and its record; not_found when the tenant has no such run. */
export async function openRun(
  ctx: ToolContext,
  sel: { run_id?: string; agent_name?: string },
  field = "run_id",
) {
  const runId = await resolveRunId(ctx, sel, field);
  const stub = await runStub(ctx.env, ctx.tenant, runId);
  const record: RunRecord | null = await stub.getRecord();
  if (!record) throw noRun(field, runId);
  return { runId, stub, record };
}

/**
 * Calls the run's object without reading its record first (one RPC fewer than openRun, for hot
 * paths such as poll_events); the object's own "run not found" becomes openRun's not_found.
 */
export async function callRun<T>(
  ctx: ToolContext,
  sel: { run_id?: string; agent_name?: string },
  call: (stub: RunRpc) => Promise<T>,
  field = "run_id",
): Promise<{ runId: string; value: T }> {
  const runId = await resolveRunId(ctx, sel, field);
  const stub = await runStub(ctx.env, ctx.tenant, runId);
  return { runId, value: await naming(field, runId, call(stub)) };
}
