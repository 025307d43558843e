// manage_lane: create, update, read, list and close lanes, queue work items into them, and land or
// reclaim a repo lane's branch on the runner holding its worktree.
import { z } from "zod";
import { parseBackendConfig, placeRun, resolveBackend } from "../../backends/registry.ts";
import { parseAllowHosts } from "../../egress/allow-list.ts";
import { SwitchyardError, badRequest } from "../../../shared/errors.ts";
import { LaneItemSchema } from "../../lanes/lane-queue.ts";
import {
  LandResultSchema,
  LandStrategySchema,
  ReclaimResultSchema,
} from "../../../shared/lanes/lane-work.ts";
import { LaneFieldsShape, LaneIdSchema, LaneSchema, LaneStatusSchema } from "../../lanes/lane.ts";
import { tenantStub } from "../../objects/stubs.ts";
import { describeIssues } from "../tool-result.ts";
import { defineTool } from "../tool.ts";
import { assertNotifyUrl } from "../../notify/notify-config.ts";
import { SpawnRunInputSchema, assembleSpawn } from "./spawn-run.ts";

/** What an enqueued item may say about its run; the rest comes from the lane. */
const ENQUEUE_FIELDS = ["prompt", "input_message", "backend", "model", "backend_config", "review"] as const;
const ITEM_ONLY_FIELDS = ["prompt", "input_message"] as const;
const LAND_ONLY_FIELDS = ["strategy", "keep_worktree"] as const;

export const manageLane = defineTool({
  name: "manage_lane",
  description:
    "Lanes are named streams of work whose defaults runs inherit (spawn_run lane_id). A lane with `repo` works in " +
    "a git worktree of that repository on the runner that holds it (a runner started with --lanes), on `branch` " +
    "(default switchyard/<lane_id>) from `base` (default: the repo's current branch); each run's changes are " +
    "committed per commit_policy and test_command gates them; runs in it may not set cwd. operation upsert creates " +
    "or updates (status moves only along planned→active→review→merged, with blocked and closed); enqueue adds a " +
    "work item (prompt or input_message, optional backend, model, backend_config — secrets allowed, kept apart — " +
    "and review) to the lane's queue: items run one at a time in order, each once the previous run ended and every " +
    "depends_on lane is merged; get and close take lane_id (close cancels waiting items); list takes an optional status. " +
    "land merges a lane in review (its newest worker run passed its test gate and review) into its base on the runner " +
    "holding it (strategy, default fast_forward_or_merge; the worktree is removed unless keep_worktree) and marks it " +
    "merged, which starts its dependants' work; a conflict is refused naming the files, the repository left as it was. " +
    "reclaim removes the worktree and branch of a lane given up without landing, and closes it. notify (upsert) is " +
    "the default notify of the lane's runs (as spawn_run's; a run's own notify wins); its secret is kept apart " +
    "until the lane closes and never shown.",
  annotations: {
    title: "Manage a lane",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false,
  },
  input: z
    .strictObject({
      operation: z.enum(["upsert", "enqueue", "get", "list", "close", "land", "reclaim"]),
      lane_id: LaneIdSchema.optional(),
      ...LaneFieldsShape,
      status: LaneStatusSchema.optional().describe(
        "upsert: the new status; list: only lanes in this status.",
      ),
      prompt: SpawnRunInputSchema.shape.prompt.describe("enqueue: the item's task, as text."),
      input_message: SpawnRunInputSchema.shape.input_message.describe(
        "enqueue: the item's task as a message.",
      ),
      strategy: LandStrategySchema.optional().describe(
        "land: fast_forward_or_merge (default), fast_forward_only, merge (always a merge commit) or squash.",
      ),
      keep_worktree: z.boolean().optional().describe("land: keep the lane's worktree after the merge."),
    })
    .superRefine((v, ctx) => {
      const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
      if (v.operation !== "list" && v.lane_id === undefined)
        fail("lane_id", `required for operation ${v.operation}`);
      if (v.operation === "enqueue") {
        if (v.prompt === undefined && v.input_message === undefined)
          fail("prompt", "expected prompt and/or input_message for operation enqueue");
        if (v.cwd !== undefined)
          fail(
            "cwd",
            "an item runs where its lane's runs work (a repo lane: its worktree); it cannot set cwd",
          );
        for (const key of Object.keys(LaneFieldsShape) as (keyof typeof LaneFieldsShape)[]) {
          if (key === "cwd" || v[key] === undefined || (ENQUEUE_FIELDS as readonly string[]).includes(key))
            continue;
          fail(key, `not taken by operation enqueue (it takes ${ENQUEUE_FIELDS.join(", ")})`);
        }
      } else {
        for (const key of ITEM_ONLY_FIELDS)
          if (v[key] !== undefined) fail(key, "only taken by operation enqueue");
      }
      if (v.operation !== "land")
        for (const key of LAND_ONLY_FIELDS)
          if (v[key] !== undefined) fail(key, "only taken by operation land");
      if (v.operation === "land" || v.operation === "reclaim")
        for (const key of Object.keys(LaneFieldsShape) as (keyof typeof LaneFieldsShape)[])
          if (v[key] !== undefined) fail(key, `not taken by operation ${v.operation} (it takes lane_id)`);
    }),
  output: z.object({
    operation: z.string(),
    lane: LaneSchema.optional(),
    lanes: z.array(LaneSchema).optional(),
    item: LaneItemSchema.optional().describe(
      "enqueue: the item, dispatched already if the lane could run it",
    ),
    landed: LandResultSchema.optional().describe("land: the new commit on base and how it got there"),
    reclaimed: ReclaimResultSchema.optional().describe("reclaim: what the runner removed"),
  }),
  async handler({ operation, lane_id, prompt, input_message, strategy, keep_worktree, ...fields }, ctx) {
    const tenant = await tenantStub(ctx.env, ctx.tenant);
    if (operation === "list") return { operation, lanes: await tenant.listLanes(fields.status) };
    const id = lane_id!;
    const existing = await tenant.getLane(id);
    if (operation !== "upsert" && !existing)
      throw new SwitchyardError("not_found", `lane_id: no lane "${id}"`, { field: "lane_id" });
    if (operation === "get") return { operation, lane: existing! };
    if (operation === "close")
      return { operation, lane: await tenant.upsertLane({ lane_id: id, status: "closed" }) };
    if (operation === "land")
      return {
        operation,
        ...(await tenant.landLane(id, strategy ?? "fast_forward_or_merge", !keep_worktree)),
      };
    if (operation === "reclaim") return { operation, ...(await tenant.reclaimLane(id)) };
    if (operation === "enqueue") {
      const { backend, model, backend_config, review } = fields;
      const args = SpawnRunInputSchema.safeParse({
        lane_id: id,
        prompt,
        input_message,
        backend,
        backend_config: model === undefined ? backend_config : { ...backend_config, model },
        review,
      });
      if (!args.success) {
        const { field, message } = describeIssues(args.error);
        throw new SwitchyardError("bad_request", message, { field });
      }
      const [request, secrets] = await assembleSpawn(args.data, existing!, ctx.env);
      const allowHosts = parseAllowHosts(ctx.env.SWITCHYARD_EDGE_ALLOW_HOSTS);
      if (
        existing!.repo !== null &&
        placeRun(resolveBackend(request.backend), request.spec.config, allowHosts) === "edge"
      )
        throw badRequest(
          backend !== undefined ? "backend" : "lane_id",
          `lane "${id}" works in a worktree on a runner; ${request.backend} would run at the edge (use codex, claude_code or a local endpoint)`,
        );
      const item = await tenant.enqueueLaneItem(id, request, secrets);
      return { operation, lane: (await tenant.getLane(id))!, item };
    }
    if (fields.notify)
      assertNotifyUrl(fields.notify.url, "notify.url", parseAllowHosts(ctx.env.SWITCHYARD_EDGE_ALLOW_HOSTS));
    if (fields.backend !== undefined) fields.backend = resolveBackend(fields.backend).name;
    if (fields.backend_config && fields.backend) {
      const { secrets } = parseBackendConfig(resolveBackend(fields.backend), fields.backend_config);
      const key = Object.keys(secrets)[0];
      if (key)
        throw badRequest(
          `backend_config.${key}`,
          "secrets are not stored on lanes; pass them with each spawn_run",
        );
    }
    return { operation, lane: await tenant.upsertLane({ lane_id: id, ...fields }) };
  },
});
