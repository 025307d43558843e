// manage_lane: create, update, read, list and close lanes.
import { z } from "zod";
import { parseBackendConfig, resolveBackend } from "../../backends/registry.ts";
import { SwitchyardError, badRequest } from "../../../shared/errors.ts";
import { LaneFieldsShape, LaneIdSchema, LaneSchema, LaneStatusSchema } from "../../lanes/lane.ts";
import { tenantStub } from "../../objects/stubs.ts";
import { defineTool } from "../tool.ts";

export const manageLane = defineTool({
  name: "manage_lane",
  description:
    "Lanes are named streams of work (a worktree and branch) whose defaults runs inherit (spawn_run lane_id). " +
    "operation upsert creates or updates (status moves only along planned→active→review→merged, with blocked and " +
    "closed), get and close take lane_id, list takes an optional status.",
  annotations: {
    title: "Manage a lane",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  input: z
    .strictObject({
      operation: z.enum(["upsert", "get", "list", "close"]),
      lane_id: LaneIdSchema.optional(),
      ...LaneFieldsShape,
      status: LaneStatusSchema.optional().describe(
        "upsert: the new status; list: only lanes in this status.",
      ),
    })
    .superRefine((v, ctx) => {
      if (v.operation !== "list" && v.lane_id === undefined) {
        ctx.addIssue({ code: "custom", path: ["lane_id"], message: `required for operation ${v.operation}` });
      }
    }),
  output: z.object({
    operation: z.string(),
    lane: LaneSchema.optional(),
    lanes: z.array(LaneSchema).optional(),
  }),
  async handler({ operation, lane_id, ...fields }, ctx) {
    const tenant = await tenantStub(ctx.env, ctx.tenant);
    if (operation === "list") return { operation, lanes: await tenant.listLanes(fields.status) };
    const id = lane_id!;
    if (operation === "get") {
      const lane = await tenant.getLane(id);
      if (!lane) throw new SwitchyardError("not_found", `lane_id: no lane "${id}"`, { field: "lane_id" });
      return { operation, lane };
    }
    if (operation === "close") {
      if (!(await tenant.getLane(id)))
        throw new SwitchyardError("not_found", `lane_id: no lane "${id}"`, { field: "lane_id" });
      return { operation, lane: await tenant.upsertLane({ lane_id: id, status: "closed" }) };
    }
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
