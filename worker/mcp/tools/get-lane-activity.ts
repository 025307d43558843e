// get_lane_activity: a lane with its queue, current work and holder, its runs with what each
// changed and tested, latest worker result, review verdicts, open findings and metrics.
import { z } from "zod";
import { SwitchyardError } from "../../../shared/errors.ts";
import { LaneRunSchema } from "../../lanes/lane-history.ts";
import { LaneItemSchema } from "../../lanes/lane-queue.ts";
import { LaneSchema } from "../../lanes/lane.ts";
import { MetricsGroupSchema } from "../../metrics/metrics-query.ts";
import { runStub, tenantStub } from "../../objects/stubs.ts";
import { RunRowSchema } from "../../runs/run-index.ts";
import { FindingSchema } from "../../reviews/review-policy.ts";
import { LaneCycleSchema } from "../../reviews/lane-cycles.ts";
import { LandingSchema } from "../../lanes/lane-landings.ts";
import { BoundedShape, TruncatedSchema, fitToBudget, project } from "../bounded.ts";
import { defineTool, readOnly } from "../tool.ts";
import { cursorAfter } from "./list-runs.ts";

const ReviewRowSchema = z.object({
  reviewer_run_id: z.string(),
  worker_run_id: z.string(),
  cycle: z.number(),
  verdict: z.enum(["pass", "pass_with_findings", "fail"]).nullable(),
  summary: z.string(),
  findings: z.array(FindingSchema),
  created_at: z.string(),
});

export const getLaneActivity = defineTool({
  name: "get_lane_activity",
  description:
    "A lane's state: its queue (waiting items, oldest first, and why the next one waits), the item and run it is " +
    "working on, the runner holding its worktree (lane.holder), each ended run with its commit, diff stats and test " +
    "result (lane_runs, oldest first), its runs (newest first, up to limit), the latest worker result, every review " +
    "verdict, the open findings of the latest review, each cycle (test result, verdict, what followed), the latest " +
    "land or reclaim with the runner's answer (landing), and the lane's metrics.",
  annotations: readOnly("Get a lane's activity"),
  input: z.strictObject({
    lane_id: z.string().max(64),
    limit: z.number().int().min(1).max(200).default(50),
    ...BoundedShape,
  }),
  output: z.object({
    lane: LaneSchema,
    queue: z.array(LaneItemSchema),
    current_item: LaneItemSchema.nullable(),
    current_run_id: z
      .string()
      .nullable()
      .describe("the lane's live run (a worker, its reviewer or remediation)"),
    waiting_reason: z
      .string()
      .nullable()
      .describe("why the first waiting item is not running; null when none waits"),
    lane_runs: z.array(LaneRunSchema),
    runs: z.array(RunRowSchema.partial()),
    runs_cursor: z.string().nullable(),
    latest_worker_result: z
      .object({
        run_id: z.string(),
        status: z.string(),
        final_response: z.string().nullable(),
        completed_at: z.string().nullable(),
      })
      .nullable(),
    reviews: z.array(ReviewRowSchema),
    open_findings: z.array(FindingSchema),
    cycles: z
      .array(LaneCycleSchema)
      .describe("each worker run's cycle: its test result, its verdict and what followed, oldest first"),
    landing: LandingSchema.nullable().describe("the latest land or reclaim request and the runner's answer"),
    metrics: MetricsGroupSchema.nullable(),
    truncated: TruncatedSchema,
  }),
  async handler({ lane_id, limit, fields, detail, max_bytes }, ctx) {
    const tenant = await tenantStub(ctx.env, ctx.tenant);
    const lane = await tenant.getLane(lane_id);
    if (!lane) throw new SwitchyardError("not_found", `lane_id: no lane "${lane_id}"`, { field: "lane_id" });
    const [work, page, reviews, progress, metrics, workers] = await Promise.all([
      tenant.laneWorkOf(lane_id, limit),
      tenant.listRuns({ lane_id }, limit, undefined),
      tenant.laneReviews(lane_id),
      tenant.laneProgress(lane_id),
      tenant.metrics("lane", { lane_id }, 1, 0),
      tenant.listRuns({ lane_id, role: "worker", status: "completed" }, 1, undefined),
    ]);
    const latest = workers.runs[0]
      ? await (await runStub(ctx.env, ctx.tenant, workers.runs[0].run_id)).getRecord()
      : null;
    const lastReview = reviews.at(-1);
    const base = {
      lane,
      ...work,
      latest_worker_result: latest && {
        run_id: latest.run_id,
        status: latest.status,
        final_response: latest.result.final_response,
        completed_at: latest.completed_at,
      },
      reviews: reviews.map(({ lane_id: _, ...r }) => r),
      open_findings: lastReview && lastReview.verdict !== "pass" ? lastReview.findings : [],
      cycles: progress.cycles,
      landing: progress.landings.at(-1) ?? null,
      metrics: metrics.groups[0] ?? null,
    };
    return fitToBudget(page.runs, max_bytes, (kept) => {
      const trimmed = kept.length < page.runs.length;
      const last = kept.at(-1);
      return {
        ...base,
        runs: kept.map((r) => project(r, { fields, detail })),
        runs_cursor: trimmed ? (last ? cursorAfter(last) : null) : page.next_cursor,
        ...(trimmed
          ? {
              truncated: {
                omitted_items: page.runs.length - kept.length,
                max_bytes: max_bytes!,
                how_to_get: `call list_runs with lane_id "${lane_id}" and cursor = runs_cursor`,
              },
            }
          : {}),
      };
    }).answer;
  },
});
