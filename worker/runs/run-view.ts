// What get_run, cancel_run and continue_run show of a run: the record minus internals.
import { z } from "zod";
import { RunErrorSchema, RunResultSchema, RunReviewSchema, type RunRecord } from "./run-record.ts";
import { RunStatusSchema, isTerminal } from "./status.ts";

export const RunViewSchema = z.object({
  run_id: z.string(),
  status: RunStatusSchema,
  terminal: z.boolean(),
  status_reason: z.string().nullable(),
  backend: z.string(),
  role: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  updated_at: z.string(),
  completed_at: z.string().nullable(),
  last_seq: z.number(),
  summary: z.string(),
  result: RunResultSchema,
  error: RunErrorSchema.nullable(),
  session_id: z.string(),
  agent_name: z.string(),
  parent_run_id: z.string().nullable(),
  child_run_ids: z.array(z.string()),
  lane_id: z.string().nullable(),
  review: RunReviewSchema.nullable(),
  remote_ref: z.record(z.string(), z.string()),
  cwd: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
});
export type RunView = z.infer<typeof RunViewSchema>;

export function toRunView(r: RunRecord): RunView {
  return {
    run_id: r.run_id,
    status: r.status,
    terminal: isTerminal(r.status),
    status_reason: r.status_reason,
    backend: r.backend,
    role: r.role,
    created_at: r.created_at,
    started_at: r.started_at,
    updated_at: r.updated_at,
    completed_at: r.completed_at,
    last_seq: r.last_seq,
    summary: r.summary,
    result: r.result,
    error: r.error,
    session_id: r.session_id,
    agent_name: r.agent_name,
    parent_run_id: r.parent_run_id,
    child_run_ids: r.child_run_ids,
    lane_id: r.lane_id,
    review: r.review,
    remote_ref: r.remote_ref,
    cwd: r.cwd,
    metadata: r.metadata,
  };
}
