// wait_runs: the join for fan-out — returns when any (or all) of the runs has ended, or at wait_ms.
import { z } from "zod";
import type { RunStanding } from "../../objects/run-object.ts";
import { runStub } from "../../objects/stubs.ts";
import { assertInScope } from "../../orchestration/scope.ts";
import { RUN_ID_PATTERN } from "../../runs/ids.ts";
import { RunStatusSchema } from "../../../shared/runs/status.ts";
import { naming, noRun } from "../runs.ts";
import { defineTool, readOnly } from "../tool.ts";

export const waitRuns = defineTool({
  name: "wait_runs",
  description:
    "Wait until any (mode any) or all (mode all) of up to 100 runs are finished, or wait_ms passes. " +
    "Returns every run's status; done says whether the condition was met. To read the runs' events as they " +
    "come, use watch_runs.",
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
    ids.forEach((id, i) => {
      if (!RUN_ID_PATTERN.test(id)) throw noRun(`run_ids.${i}`, id);
    });
    const stubs = await Promise.all(ids.map((id) => runStub(ctx.env, ctx.tenant, id)));
    // One call per run: the wait itself says "not found" for a run the tenant does not have.
    const standing = (i: number, waitMs: number): Promise<RunStanding> =>
      naming(`run_ids.${i}`, ids[i]!, stubs[i]!.waitTerminal(waitMs));
    const waits = ids.map((_, i) => standing(i, wait_ms));
    let runs: RunStanding[];
    if (mode === "all") runs = await Promise.all(waits);
    else {
      // The first run to end settles the wait, a missing run fails it; the runs still parked are read as they are now.
      const seen: (RunStanding | undefined)[] = new Array(ids.length);
      await new Promise<void>((resolve, reject) => {
        let open = waits.length;
        waits.forEach((w, i) =>
          w.then((r) => {
            seen[i] = r;
            if (r.terminal || --open === 0) resolve();
          }, reject),
        );
      });
      runs = await Promise.all(ids.map((_, i) => seen[i] ?? standing(i, 0)));
    }
    const ended = runs.filter((r) => r.terminal).length;
    return { mode, done: mode === "all" ? ended === runs.length : ended > 0, runs };
  },
});
