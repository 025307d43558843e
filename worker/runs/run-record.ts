// The run record a RunObject keeps and `get_run` shows, and how events move it along.
// Persistence is run-log.ts; this file is pure.
import { NotifyViewSchema } from "../notify/notify-config.ts";
import { z } from "zod";
import { ApprovalRequestSchema } from "../../shared/runs/approvals.ts";
import type { NewEvent } from "../../shared/runs/events.ts";
import { RunChangesSchema, TestResultSchema } from "../../shared/lanes/lane-work.ts";
import { StoredArtifactSchema, joinArtifact, type ArtifactTextStore } from "./joined-artifacts.ts";
import { RunSpecSchema } from "../../shared/runs/run-spec.ts";
import { RunStatusSchema, isTerminal, statusAfter, type RunStatus } from "../../shared/runs/status.ts";
import { fieldsOf } from "../../shared/runs/fields-of.ts";
import { NormalizedUsageSchema, TOKEN_FIELDS, type NormalizedUsage } from "../../shared/runs/usage.ts";
import { DEFAULT_LIMITS } from "./sanitize.ts";
import { toBytes, truncateUtf8 } from "../../shared/runs/utf8.ts";

export const RunErrorSchema = z.object({ code: z.string(), message: z.string() });
export type RunError = z.infer<typeof RunErrorSchema>;

/** The USAGE_SUMS of a run's turns so far; `cost_usd` only once some turn had a cost. */
export const UsageTotalsSchema = z.object({
  ...fieldsOf(TOKEN_FIELDS, z.number()),
  cost_usd: z.number().optional(),
  /** Tokens of turns that neither the backend nor the price table priced. */
  unpriced_tokens: z.number(),
  turns: z.number(),
  /** Model of the latest turn that named one. */
  model: z.string().optional(),
});
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

/**
 * Whether the backend reported any usage for the run: `turns` counts its usage events. Totals of a
 * run that reported none are zeros that mean "not reported", never "used nothing".
 */
export const isUsageReported = (totals: UsageTotals): boolean => totals.turns > 0;

export const RunResultSchema = z.object({
  final_response: z.string().nullable(),
  /** Set when final_response is only the beginning of the answer (it is bounded like event fields). */
  final_response_ref: z
    .object({ seq: z.number(), field_path: z.string() })
    .optional()
    .describe(
      "final_response is only its beginning: read it whole with get_event_artifact {run_id, seq, field_path}",
    ),
  structured_output: z.unknown().optional(),
  /** Outcome of checking structured_output against the run's output_schema. */
  structured_output_validation: z
    .object({ valid: z.boolean(), errors: z.array(z.string()).optional() })
    .optional(),
  /** One entry per artifact id, its streamed chunks joined (joined-artifacts.ts). */
  artifacts: z.array(StoredArtifactSchema),
  /** artifact_added events of artifacts past the joined ones' bound; the events still hold them. */
  artifacts_omitted: z
    .number()
    .optional()
    .describe("artifacts not joined into this list for size; their artifact_added events hold them"),
  /** Paths the agent reported changing (file_changed events), each once. */
  files_changed: z.array(z.string()),
  usage: UsageTotalsSchema,
});
export type RunResult = z.infer<typeof RunResultSchema>;

/** A reviewer's verdict on this run (review dispatch: reviews/review-loop.ts). */
export const RunReviewSchema = z.object({
  reviewer_run_id: z.string(),
  cycle: z.number(),
  verdict: z.enum(["pass", "pass_with_findings", "fail"]).nullable(),
  summary: z.string(),
  findings: z.array(
    z.object({
      severity: z.enum(["high", "medium", "low"]),
      category: z.string(),
      file_path: z.string(),
      line_start: z.number(),
      line_end: z.number(),
      description: z.string(),
      fix: z.string(),
    }),
  ),
});
export type RunReview = z.infer<typeof RunReviewSchema>;

/** Everything stored about a run besides its events. Contains no secrets by construction. */
export const RunRecordSchema = z.object({
  run_id: z.string(),
  tenant: z.string(),
  backend: z.string(),
  /** Who drives the run: its own object (edge) or a connected runner. */
  placement: z
    .enum(["edge", "runner"])
    .describe("where the run executes: edge (Switchyard itself) or runner"),
  /** The runner the run was dispatched to; null at the edge and while it waits for a runner. */
  runner: z
    .string()
    .nullable()
    .describe(
      "name of the runner holding (or that held) the run; null for edge runs and runs not dispatched yet",
    ),
  role: z.string(),
  status: RunStatusSchema,
  /** Why the run is in its status: waiting for a runner, timeout, runner_lost … */
  status_reason: z.string().nullable(),
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
  timeout_s: z.number(),
  /** Highest source_seq stored from the runner relaying this run (runner backends only). */
  relay_seq: z.number(),
  /**
   * Events that arrived after the run ended: the first `LATE_EVENT_LIMIT` are stored (and change
   * nothing), the rest only counted. Absent while none arrived.
   */
  late_events: z.object({ stored: z.number(), dropped: z.number() }).optional(),
  /** The run's spec minus secrets, as the backend needs it again on continue and recovery. */
  spec: RunSpecSchema,
  /** The permission request the agent waits on (approvals: relay); absent or null when none. */
  pending_approval: ApprovalRequestSchema.nullable()
    .optional()
    .describe("what the agent asks to do; answer with continue_run {approval: {approve, reason?}}"),
  /** A lane run's changes (its `lane_changes` event); absent in records stored before lanes reported them. */
  changes: RunChangesSchema.nullable().optional(),
  /** Where the run's webhooks go and how their deliveries stand; absent or null without notify. */
  notify: NotifyViewSchema.nullable().optional(),
  /** A lane run's test gate (its `tests_finished` event); absent likewise. */
  tests: TestResultSchema.nullable().optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

export const emptyUsage = (): UsageTotals => ({
  ...fieldsOf(TOKEN_FIELDS, 0),
  unpriced_tokens: 0,
  turns: 0,
});

const SUMMARY_BYTES = 280;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** Where an event carries its text, in order of preference. */
const TEXT_FIELDS = ["text", "message", "question"] as const;

/**
 * Keeps the answer as bounded as the event that carried it: past the sanitizer's field bound the
 * event holds it whole at `/<field>` (sanitize.ts), and the record keeps the same-sized beginning.
 */
function setFinalResponse(record: RunRecord, text: string, seq: number, field: string): void {
  const bound = DEFAULT_LIMITS.maxFieldBytes;
  const whole = toBytes(text).length <= bound;
  record.result.final_response = whole ? text : truncateUtf8(text, bound);
  if (whole) delete record.result.final_response_ref;
  else record.result.final_response_ref = { seq, field_path: `/${field}` };
}

/**
 * Folds event `seq` into the record's result, summary and error; artifact text past the record's
 * bound goes to `texts`. Returns the new status when the event changes it. A terminal record
 * changes nothing but its `updated_at`.
 */
export function applyEvent(
  record: RunRecord,
  event: NewEvent,
  seq: number,
  now: string,
  texts: ArtifactTextStore,
): RunStatus | undefined {
  record.updated_at = now;
  if (isTerminal(record.status)) return undefined;
  const { data } = event;
  const textField = TEXT_FIELDS.find((k) => typeof data[k] === "string");
  const text = textField ? (data[textField] as string) : undefined;
  if (event.type === "agent_message" && textField && text !== undefined) {
    setFinalResponse(record, text, seq, textField);
    record.summary = truncateUtf8(text, SUMMARY_BYTES);
  }
  if (event.type === "usage") {
    const usage = NormalizedUsageSchema.safeParse(data);
    if (usage.success) addUsage(record.result.usage, usage.data);
  }
  if (event.type === "artifact_added" && !joinArtifact(record.result.artifacts, data, seq, texts))
    record.result.artifacts_omitted = (record.result.artifacts_omitted ?? 0) + 1;
  if (event.type === "file_changed") {
    for (const path of changedPaths(data))
      if (!record.result.files_changed.includes(path)) record.result.files_changed.push(path);
  }
  if (event.type === "lane_changes") {
    const changes = RunChangesSchema.safeParse(data);
    if (changes.success) record.changes = changes.data;
  }
  if (event.type === "tests_finished") {
    const tests = TestResultSchema.safeParse(data);
    if (tests.success) record.tests = tests.data;
  }
  if (event.type === "run_completed") {
    const final = str(data.final_response);
    if (final !== undefined) setFinalResponse(record, final, seq, "final_response");
    if (data.structured_output !== undefined) record.result.structured_output = data.structured_output;
  }
  if (event.type === "run_failed") {
    const err = RunErrorSchema.safeParse(data.error);
    record.error = err.success ? err.data : { code: "backend_failed", message: text ?? "the backend failed" };
    record.status_reason = record.error.code;
  }
  if (event.type === "rejected") {
    const reason = str(data.reason) ?? text ?? "rejected by the agent";
    record.error = { code: "rejected", message: reason };
    record.status_reason = reason;
  }
  if ((event.type === "input_required" || event.type === "auth_required") && text !== undefined) {
    record.summary = truncateUtf8(text, SUMMARY_BYTES);
  }
  // Only a run that relays approvals waits on one; any other run's `approval` data is just data.
  if (event.type === "input_required" && record.spec.approvals === "relay")
    record.pending_approval = ApprovalRequestSchema.safeParse(data.approval).data ?? null;
  const next = statusAfter(event);
  if (event.type === "approval_resolved" || (next && isTerminal(next))) record.pending_approval = null;
  if (!next || next === record.status) return undefined;
  setStatus(record, next, now);
  return next;
}

/**
 * Events a run still stores after it ended. A backend's last words (the usage of a cancelled turn,
 * an agent's own final status after ours) fit easily; a stream or a runner that goes on talking
 * to an ended run cannot grow its log without bound.
 */
export const LATE_EVENT_LIMIT = 20;

/**
 * Whether an event arriving now may be stored: always while the run is live; after its end the
 * first LATE_EVENT_LIMIT are, the rest are counted as dropped on the record.
 */
export function admitEvent(record: RunRecord): boolean {
  if (!isTerminal(record.status)) return true;
  const late = (record.late_events ??= { stored: 0, dropped: 0 });
  const admit = late.stored < LATE_EVENT_LIMIT;
  if (admit) late.stored += 1;
  else late.dropped += 1;
  return admit;
}

/** Moves the record to `status`, stamping started/completed times. */
export function setStatus(record: RunRecord, status: RunStatus, now: string, reason?: string | null): void {
  record.status = status;
  if (reason !== undefined) record.status_reason = reason;
  else if (status === "running" || status === "input_required" || status === "auth_required")
    record.status_reason = null;
  if (status === "running" && !record.started_at) record.started_at = now;
  if (isTerminal(status)) record.completed_at = now;
  record.updated_at = now;
}

/** Paths in a file_changed event: `{path}` or `{changes: [{path}]}`. */
function changedPaths(data: Record<string, unknown>): string[] {
  const entries = Array.isArray(data.changes) ? (data.changes as unknown[]) : [data];
  return entries.flatMap((c) =>
    c && typeof c === "object" && typeof (c as { path?: unknown }).path === "string"
      ? [(c as { path: string }).path]
      : [],
  );
}

function addUsage(totals: UsageTotals, usage: NormalizedUsage): void {
  for (const field of TOKEN_FIELDS) totals[field] += usage[field];
  if (usage.cost_usd !== undefined) totals.cost_usd = (totals.cost_usd ?? 0) + usage.cost_usd;
  else totals.unpriced_tokens += usage.total_tokens;
  if (usage.model) totals.model = usage.model;
  totals.turns += 1;
}
