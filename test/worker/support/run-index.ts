// A tenant's run index on a test's own SQLite, holding one run inserted as spawn_run would.
import { DEFAULT_LIMITS } from "../../../worker/budgets/limits.ts";
import { RunIndex } from "../../../worker/runs/run-index.ts";
import type { RunStatus } from "../../../shared/runs/status.ts";

/** A new run index over `sql` with one remote_a2a run of its own in `status`, created at epoch 0. */
export function indexWithRun(sql: SqlStorage, status: RunStatus): { index: RunIndex; run_id: string } {
  const index = new RunIndex(sql);
  const run_id = `run-${crypto.randomUUID()}`;
  index.insert(
    {
      run_id,
      created_ms: 0,
      created_at: new Date(0).toISOString(),
      status,
      backend: "remote_a2a",
      role: "worker",
      agent_name: `agent-${run_id}`,
      session_id: `session-${run_id}`,
      parent_run_id: null,
      root_run_id: run_id,
      lane_id: null,
      cwd: null,
    },
    undefined,
    "fingerprint",
    DEFAULT_LIMITS,
  );
  return { index, run_id };
}
