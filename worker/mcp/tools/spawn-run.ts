// spawn_run: start a run on a backend, optionally inside a lane, with review dispatch and budgets.
// Validates everything before anything is stored.
import { z } from "zod";
import { BudgetSchema } from "../../budgets/limits.ts";
import {
  ACCEPTED_BACKEND_NAMES,
  parseBackendConfig,
  placeRun,
  resolveBackend,
  type BackendDescriptor,
} from "../../backends/registry.ts";
import { parseAllowHosts, type AllowList } from "../../egress/allow-list.ts";
import { assertEdgeMayFetch } from "../../egress/policy.ts";
import { SwitchyardError, badRequest } from "../../../shared/errors.ts";
import { tenantStub } from "../../objects/stubs.ts";
import { PROFILE_NAMES } from "../../../shared/profiles/index.ts";
import { ReviewPolicySchema, type ReviewPolicy } from "../../reviews/review-policy.ts";
import { GivenMessageSchema, refineMessageSize } from "../../../shared/runs/messages.ts";
import { GivenSpecShape, fromRequest } from "../../../shared/runs/run-spec.ts";
import { fingerprintOf, type SpawnRequest } from "../../runs/spawn.ts";
import type { Env } from "../../env.ts";
import type { Lane } from "../../lanes/lane.ts";
import type { SpawnSecrets } from "../../objects/tenant-object.ts";
import { RunStatusSchema } from "../../../shared/runs/status.ts";
import { AbsolutePathSchema, AgentNameSchema, BackendConfigSchema, MESSAGE_DESCRIPTION } from "../fields.ts";
import { boundedJson } from "../../../shared/json-limits.ts";
import { defineTool, steersAgent } from "../tool.ts";
import { NotifyInputSchema, assertNotifyUrl, toNotifyTarget } from "../../notify/notify-config.ts";

export const SpawnRunInputSchema = z
  .strictObject({
    backend: z
      .enum(ACCEPTED_BACKEND_NAMES as [string, ...string[]])
      .optional()
      .describe("Where the run executes (default: the lane's)."),
    role: z
      .string()
      .min(1)
      .max(64)
      .default("worker")
      .describe("Short free label: planner, worker, reviewer, …"),
    prompt: z
      .string()
      .min(1)
      .max(256 * 1024)
      .optional()
      .describe("The task, as text."),
    input_message: GivenMessageSchema.optional().describe(MESSAGE_DESCRIPTION),
    cwd: AbsolutePathSchema.optional().describe(
      "Absolute working directory for the agent (default: the lane's).",
    ),
    session_mode: z.enum(["new", "resume"]).default("new"),
    session_id: z.string().max(64).optional().describe("Required with session_mode resume."),
    agent_name: AgentNameSchema.optional().describe("Unique per tenant; generated when absent."),
    nickname: AgentNameSchema.optional().describe("Alias of agent_name."),
    profile: z
      .union([z.enum(PROFILE_NAMES), AbsolutePathSchema], {
        error: `expected a built-in profile (${PROFILE_NAMES.join(", ")}) or an absolute path to a profile file`,
      })
      .optional()
      .describe(
        `A built-in profile (${PROFILE_NAMES.join(", ")}), or an absolute path to a persona file that the runner ` +
          "reads under its roots (runner backends only).",
      ),
    ...GivenSpecShape,
    metadata: boundedJson(16 * 1024).optional(),
    backend_config: BackendConfigSchema.optional().describe("Backend options; secrets here are never shown."),
    parent_run_id: z.string().max(64).optional(),
    lane_id: z
      .string()
      .max(64)
      .optional()
      .describe("Dispatch into a lane: its defaults apply, explicit arguments win."),
    review: ReviewPolicySchema.optional().describe("Review the result automatically when the run completes."),
    budget: BudgetSchema.optional().describe("Tighten the tenant's limits for this spawn and its run tree."),
    notify: NotifyInputSchema.optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
    timeout_s: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(3600),
  })
  .superRefine((v, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (v.prompt === undefined && v.input_message === undefined)
      fail("prompt", "expected prompt and/or input_message");
    refineMessageSize(v, ctx);
    if (v.backend === undefined && v.lane_id === undefined)
      fail("backend", "required (or a lane_id whose lane names one)");
    if (v.session_mode === "resume" && v.session_id === undefined)
      fail("session_id", "required when session_mode is resume");
    if (v.session_mode === "new" && v.session_id !== undefined)
      fail("session_id", "only allowed with session_mode resume");
    if ([v.profile, v.profile_text, v.profile_path].filter((p) => p !== undefined).length > 1) {
      fail("profile_text", "give one of profile, profile_text or profile_path");
    }
    if (v.approval_timeout_s !== undefined && v.approvals !== "relay")
      fail("approval_timeout_s", 'only with approvals "relay"');
    if (v.agent_name !== undefined && v.nickname !== undefined && v.agent_name !== v.nickname) {
      fail("nickname", "differs from agent_name; give one of them");
    }
  });

export const SpawnRunOutputSchema = z.object({
  run_id: z.string(),
  status: RunStatusSchema,
  backend: z.string(),
  role: z.string(),
  session_id: z.string(),
  agent_name: z.string(),
  created_at: z.string(),
  lane_id: z.string().nullable(),
});

export const spawnRun = defineTool({
  name: "spawn_run",
  description:
    "Start a sub-agent run: remote_a2a and public openai_compatible endpoints at the edge; codex, claude_code and " +
    "local model endpoints through a connected switchyard-runner. Returns at once with the run id; follow it with " +
    "poll_events or get_run, and a fan-out of runs with watch_runs (events) or wait_runs (ends). The agent may " +
    "change files under cwd. Idempotent only with idempotency_key: repeating a call with the same key and " +
    "arguments returns the first run instead of starting another. notify sends a signed POST to notify.url when " +
    "the run reaches a chosen event: completed, failed (the run ended failed, timed out or rejected), cancelled, " +
    "input_required, auth_required, review_verdict.",
  annotations: steersAgent("Spawn a sub-agent run"),
  input: SpawnRunInputSchema,
  output: SpawnRunOutputSchema,
  async handler(args, ctx) {
    // A run-scoped caller spawns into its own run's tree only, and lanes are the tenant's, not its.
    if (ctx.scope && args.lane_id !== undefined)
      throw badRequest("lane_id", "not available with a run token: spawn without a lane");
    const parentRunId = args.parent_run_id ?? ctx.scope?.run_id;
    const tenant = await tenantStub(ctx.env, ctx.tenant);
    const lane = args.lane_id ? await tenant.getLane(args.lane_id) : null;
    if (args.lane_id && !lane)
      throw new SwitchyardError("not_found", `lane_id: no lane "${args.lane_id}"`, { field: "lane_id" });
    const record = await tenant.spawn(
      ...(await assembleSpawn({ ...args, parent_run_id: parentRunId }, lane, ctx.env, ctx.scope?.run_id)),
    );
    return {
      run_id: record.run_id,
      status: record.status,
      backend: record.backend,
      role: record.role,
      session_id: record.session_id,
      agent_name: record.agent_name,
      created_at: record.created_at,
      lane_id: record.lane_id,
    };
  },
});

export type SpawnRunInput = z.output<typeof SpawnRunInputSchema>;

/**
 * A validated spawn_run call → what the tenant creates: the request (lane defaults applied,
 * backend_config split, review validated) and the secrets kept apart from it. manage_lane enqueue
 * assembles its items the same way.
 */
export async function assembleSpawn(
  args: SpawnRunInput,
  lane: Lane | null,
  env: Env,
  scopeRunId?: string,
): Promise<[SpawnRequest, SpawnSecrets]> {
  const backendName = args.backend ?? lane?.backend;
  if (!backendName) throw badRequest("backend", `required: lane "${args.lane_id}" has no default backend`);
  const backend = resolveBackend(backendName);
  if (args.approvals === "relay" && !backend.capabilities.approvals)
    throw badRequest(
      "approvals",
      `"relay" needs a backend that relays permission requests (claude_code), not ${backend.name}`,
    );
  // Lane defaults fit the lane's backend only; explicit arguments always win.
  const laneDefaults =
    lane && (lane.backend === null || lane.backend === backend.name)
      ? { ...lane.backend_config, ...(lane.model ? { model: lane.model } : {}) }
      : {};
  const { config, secrets } = parseBackendConfig(backend, { ...laneDefaults, ...args.backend_config });
  const allowHosts = parseAllowHosts(env.SWITCHYARD_EDGE_ALLOW_HOSTS);
  assertEdgeMayRun(backend, config, allowHosts);
  const spec = fromRequest(args, config);
  if (spec.profile_path !== undefined && placeRun(backend, config, allowHosts) === "edge") {
    const field = args.profile_path !== undefined ? "profile_path" : "profile";
    throw badRequest(
      field,
      `a profile file is read where the run executes, and ${backend.name} runs at the edge: ` +
        "give its text as profile_text, or a built-in profile name",
    );
  }

  const review = args.review ?? lane?.review ?? undefined;
  const reviewSplit = review ? splitReview(review, allowHosts) : undefined;
  const cwd = args.cwd ?? lane?.cwd ?? undefined;
  const metadata = { ...(lane?.test_command ? { test_command: lane.test_command } : {}), ...args.metadata };
  if (args.notify) assertNotifyUrl(args.notify.url, "notify.url", allowHosts);
  // The lane's notify is its public part: the tenant adds the lane's secret when it creates the run.
  const notify = args.notify ? toNotifyTarget(args.notify) : (lane?.notify ?? undefined);
  const { backend_config: _secretBearing, review: _reviewSecrets, notify: _notifySecret, ...rest } = args;
  return [
    {
      backend: backend.name,
      role: args.role,
      spec,
      cwd,
      session_mode: args.session_mode,
      session_id: args.session_id,
      agent_name: args.agent_name ?? args.nickname,
      metadata,
      parent_run_id: args.parent_run_id,
      scope_run_id: scopeRunId,
      lane_id: args.lane_id,
      review: reviewSplit?.policy,
      budget: args.budget,
      idempotency_key: args.idempotency_key,
      fingerprint: await fingerprintOf({
        ...rest,
        backend: backend.name,
        config,
        review: reviewSplit?.policy,
        cwd,
        notify,
      }),
      timeout_s: args.timeout_s,
      notify,
    },
    {
      secrets,
      notify_secret: args.notify?.secret,
      // A reviewed run keeps its own and its reviewer's secrets for the review loop.
      carry: reviewSplit ? { review_secrets: reviewSplit.secrets, worker_secrets: secrets } : undefined,
    },
  ];
}

/** Refuses a run the edge would drive whose URL the edge may not fetch, naming the config field. */
function assertEdgeMayRun(
  backend: BackendDescriptor,
  config: Record<string, unknown>,
  allowHosts: AllowList,
) {
  const url = backend.edgeUrlField ? config[backend.edgeUrlField] : undefined;
  if (placeRun(backend, config, allowHosts) === "edge" && typeof url === "string")
    assertEdgeMayFetch(url, `backend_config.${backend.edgeUrlField}`, allowHosts);
}

/** Validates a review policy's backend and config now, keeping its secrets apart. */
function splitReview(
  review: ReviewPolicy,
  allowHosts: AllowList,
): { policy: ReviewPolicy; secrets: Record<string, unknown> } {
  try {
    const backend = resolveBackend(review.backend);
    const { config, secrets } = parseBackendConfig(backend, review.backend_config ?? {});
    assertEdgeMayRun(backend, config, allowHosts);
    return { policy: { ...review, backend: backend.name, backend_config: config }, secrets };
  } catch (e) {
    if (e instanceof SwitchyardError && e.field)
      throw badRequest(`review.${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
}
