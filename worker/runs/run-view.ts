// What get_run, cancel_run and continue_run show of a run: the record minus internals.
import { z } from "zod";
import {
  RunRecordSchema,
  RunResultSchema,
  UsageTotalsSchema,
  isUsageReported,
  type RunRecord,
} from "./run-record.ts";
import { JoinedArtifactSchema, toArtifactView } from "./joined-artifacts.ts";
import { isTerminal } from "../../shared/runs/status.ts";
import { RunChangesSchema, TestResultSchema } from "../../shared/lanes/lane-work.ts";

/** The record minus internals: the tenant, the stored spec, relay bookkeeping. */
export const RunViewSchema = RunRecordSchema.omit({
  tenant: true,
  timeout_s: true,
  relay_seq: true,
  spec: true,
}).extend({
  result: RunResultSchema.extend({
    artifacts: z
      .array(JoinedArtifactSchema)
      .describe(
        "one entry per artifact: its streamed chunks joined; large text stored apart behind text_ref",
      ),
    usage: UsageTotalsSchema.nullable().describe(
      "token usage and cost summed over the turns that reported it; null when the backend reported none (not zero)",
    ),
  }),
  pending_approval: RunRecordSchema.shape.pending_approval.unwrap(),
  changes: RunChangesSchema.nullable().describe(
    "a lane run's commit, diff stats and changed files (from its lane_changes event); null otherwise",
  ),
  tests: TestResultSchema.nullable().describe(
    "a lane run's test gate result (from its tests_finished event); null when none ran",
  ),
  notify: RunRecordSchema.shape.notify
    .unwrap()
    .describe(
      "the run's webhook URL, events and deliveries (pending, delivered, given_up); null without notify",
    ),
  terminal: z.boolean(),
});
export type RunView = z.infer<typeof RunViewSchema>;

export function toRunView(r: RunRecord): RunView {
  const { tenant: _t, timeout_s: _s, relay_seq: _r, spec: _spec, ...view } = r;
  return {
    ...view,
    // Records stored before lanes reported changes have neither field.
    changes: r.changes ?? null,
    tests: r.tests ?? null,
    result: {
      ...r.result,
      artifacts: r.result.artifacts.map(toArtifactView),
      usage: isUsageReported(r.result.usage) ? r.result.usage : null,
    },
    pending_approval: r.pending_approval ?? null,
    notify: r.notify ?? null,
    terminal: isTerminal(r.status),
  };
}
