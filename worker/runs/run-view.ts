// What get_run, cancel_run and continue_run show of a run: the record minus internals.
import { z } from "zod";
import { RunRecordSchema, type RunRecord } from "./run-record.ts";
import { isTerminal } from "./status.ts";

/** The record minus internals: who drives it, the tenant, the stored spec, relay bookkeeping. */
export const RunViewSchema = RunRecordSchema.omit({
  tenant: true,
  placement: true,
  timeout_s: true,
  relay_seq: true,
  spec: true,
}).extend({ terminal: z.boolean() });
export type RunView = z.infer<typeof RunViewSchema>;

export function toRunView(r: RunRecord): RunView {
  const { tenant: _t, placement: _p, timeout_s: _s, relay_seq: _r, spec: _spec, ...view } = r;
  return { ...view, terminal: isTerminal(r.status) };
}
