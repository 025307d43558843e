// spawn_run: start a run on a backend. Validates everything before anything is stored.
import { z } from "zod";
import { assertEdgeMayFetch, parseAllowHosts } from "../../backends/egress.ts";
import { ACCEPTED_BACKEND_NAMES, parseBackendConfig, resolveBackend } from "../../backends/registry.ts";
import { tenantStub } from "../../objects/stubs.ts";
import { PROFILES, PROFILE_NAMES } from "../../profiles/index.ts";
import { InputMessageSchema, toInputMessage } from "../../runs/messages.ts";
import { fingerprintOf } from "../../runs/spawn.ts";
import { RunStatusSchema } from "../../runs/status.ts";
import { AbsolutePathSchema, AgentNameSchema, JsonObjectSchema } from "../fields.ts";
import { defineTool } from "../tool.ts";

export const SpawnRunInputSchema = z
  .strictObject({
    backend: z.enum(ACCEPTED_BACKEND_NAMES as [string, ...string[]]).describe("Where the run executes."),
    role: z.string().min(1).max(64).default("worker").describe("Short free label: planner, worker, reviewer, …"),
    prompt: z.string().min(1).max(256 * 1024).optional().describe("The task, as text."),
    input_message: InputMessageSchema.optional().describe("The task as an A2A-style message (role + parts)."),
    cwd: AbsolutePathSchema.optional().describe("Absolute working directory for the agent."),
    session_mode: z.enum(["new", "resume"]).default("new"),
    session_id: z.string().max(64).optional().describe("Required with session_mode resume."),
    agent_name: AgentNameSchema.optional().describe("Unique per tenant; generated when absent."),
    nickname: AgentNameSchema.optional().describe("Alias of agent_name."),
    profile: z.enum(PROFILE_NAMES).optional().describe("A profile shipped with Switchyard."),
    profile_text: z.string().min(1).max(64 * 1024).optional().describe("Inline profile instructions."),
    output_schema: JsonObjectSchema(64 * 1024).optional().describe("JSON Schema the final output must satisfy."),
    metadata: JsonObjectSchema(16 * 1024).optional(),
    backend_config: JsonObjectSchema(64 * 1024).optional().describe("Backend options; secrets here are never shown."),
    parent_run_id: z.string().max(64).optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
    timeout_s: z.number().int().min(1).max(7 * 24 * 3600).default(3600),
  })
  .superRefine((v, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (v.prompt === undefined && v.input_message === undefined) fail("prompt", "expected prompt and/or input_message");
    if (v.session_mode === "resume" && v.session_id === undefined) fail("session_id", "required when session_mode is resume");
    if (v.session_mode === "new" && v.session_id !== undefined) fail("session_id", "only allowed with session_mode resume");
    if (v.profile !== undefined && v.profile_text !== undefined) fail("profile_text", "give profile or profile_text, not both");
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
});

export const spawnRun = defineTool({
  name: "spawn_run",
  description:
    "Start a sub-agent run on a backend (remote_a2a now; codex, claude_code and openai_compatible through a runner). " +
    "Returns at once with the run id; follow it with poll_events, get_run or wait_runs.",
  input: SpawnRunInputSchema,
  output: SpawnRunOutputSchema,
  async handler(args, ctx) {
    const backend = resolveBackend(args.backend);
    const { config, secrets } = parseBackendConfig(backend, args.backend_config);
    if (backend.edgeUrlField) {
      const url = config[backend.edgeUrlField];
      if (typeof url === "string") {
        assertEdgeMayFetch(url, `backend_config.${backend.edgeUrlField}`, parseAllowHosts(ctx.env.SWITCHYARD_EDGE_ALLOW_HOSTS));
      }
    }
    const message = toInputMessage(args.prompt, args.input_message);
    const { backend_config: _secretBearing, ...rest } = args;
    const record = await (await tenantStub(ctx.env, ctx.tenant)).spawn(
      {
        backend: backend.name,
        role: args.role,
        message,
        cwd: args.cwd,
        session_mode: args.session_mode,
        session_id: args.session_id,
        agent_name: args.agent_name ?? args.nickname,
        profile_text: args.profile ? PROFILES[args.profile] : args.profile_text,
        output_schema: args.output_schema,
        metadata: args.metadata ?? {},
        config,
        parent_run_id: args.parent_run_id,
        idempotency_key: args.idempotency_key,
        fingerprint: await fingerprintOf({ ...rest, backend: backend.name, config }),
        timeout_s: args.timeout_s,
      },
      secrets,
    );
    return {
      run_id: record.run_id,
      status: record.status,
      backend: record.backend,
      role: record.role,
      session_id: record.session_id,
      agent_name: record.agent_name,
      created_at: record.created_at,
    };
  },
});
