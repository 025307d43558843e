// wait_runs: the join for fan-out — returns when any (or all) of the runs has ended, or at wait_ms.
import { z } from "zod";
import { SwitchyardError } from "../../../shared/errors.ts";
import { runStub } from "../../objects/stubs.ts";
import { assertInScope } from "../../orchestration/scope.ts";
import { RUN_ID_PATTERN } from "../../runs/ids.ts";
import type { RunRecord } from "../../runs/run-record.ts";
import { RunStatusSchema, isTerminal } from "../../../shared/runs/status.ts";
import { defineTool, readOnly } from "../tool.ts";

export const waitRuns = defineTool({
  name: "wait_runs",
  description:
    "Wait until any (mode any) or all (mode all) of up to 100 runs are finished, or wait_ms passes. " +
    "Returns every run's status; done says whether the condition was met.",
  annotations: readOnly("Wait for runs to end"),
  input: z.strictObject({
    run_ids: z.array(z.string().max(64)).min(1).max(100),
    mode: z.enum(["any", "all"]).default("any"),
    wait_ms: z.number().int().min(0).max(30_000).default(20_000),
  }),
  output: z.object({
    mode: z.enum(["any", "all"]),
    done: z.boolean(),
    runs: z.array(
      z.object({ run_id: z.string(), status: RunStatusSchema, terminal: z.boolean(), summary: z.string() }),
    ),
  }),
  async handler({ run_ids, mode, wait_ms }, ctx) {
    const ids = [...new Set(run_ids)];
    await assertInScope(
      ctx,
      ids.map((run_id, i) => ({ run_id, field: `run_ids.${i}` })),
    );
    const stubs = await Promise.all(
      ids.map(async (id, i) => {
        const missing = new SwitchyardError("not_found", `run_ids.${i}: no run "${id}"`, {
          field: `run_ids.${i}`,
        });
        if (!RUN_ID_PATTERN.test(id)) throw missing;
        const stub = await runStub(ctx.env, ctx.tenant, id);
        if (!(await stub.getRecord())) throw missing;
        return stub;
      }),
    );
    const waits = stubs.map((s) => s.waitTerminal(wait_ms));
    let records: RunRecord[];
    if (mode === "all") records = await Promise.all(waits);
    else {
      // The first run to end settles the wait; the others are read as they are at that moment.
      await Promise.any(waits.map((w) => w.then((r) => (isTerminal(r.status) ? r : Promise.reject())))).catch(
        () => undefined,
      );
      records = await Promise.all(stubs.map(async (s) => (await s.getRecord())!));
    }
    const runs = records.map((r) => ({
      run_id: r.run_id,
      status: r.status,
      terminal: isTerminal(r.status),
      summary: r.summary,
    }));
    const ended = runs.filter((r) => r.terminal).length;
    return { mode, done: mode === "all" ? ended === runs.length : ended > 0, runs };
  },
});
