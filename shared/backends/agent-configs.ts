// The backend_config keys the local agents understand, as zod schemas with their defaults. Pure (no
// node:* imports) so the Worker can validate spawn_run input with the same schemas.
import { z } from "zod";
import { badRequest } from "../errors.ts";

/**
 * `true`: the agent gets Switchyard itself as an MCP server, with a token scoped to this run: it may
 * spawn children of the run (under its tree's budgets) and read, watch and cancel only its descendants.
 */
const OrchestrationField = z.boolean().optional();

/** codex: defaults keep it unattended: sandboxed to the workspace, never asking for approval. */
export const CodexConfigSchema = z.object({
  model: z.string().min(1).optional(),
  reasoning_effort: z.enum(["minimal", "low", "medium", "high", "xhigh", "max"]).optional(),
  sandbox_mode: z.enum(["read-only", "workspace-write", "danger-full-access"]).default("workspace-write"),
  // codex 0.163 refuses "untrusted" outright; under `codex exec` the others all answer an escalation "never".
  approval_policy: z.enum(["never", "on-request", "on-failure"]).default("never"),
  network_access: z.boolean().default(false),
  orchestration: OrchestrationField,
});
export type CodexConfig = z.infer<typeof CodexConfigSchema>;

/**
 * claude_code: `acceptEdits` plus `Bash` pre-approved lets the agent edit and run commands in its
 * cwd. `bypassPermissions` is not the default because Claude Code refuses it when run as root
 * (containers, CI). Whatever would still ask is denied at once (the adapter sets
 * `permissionPrompts: "none"`), so a run never waits on a human — unless the run relays approvals:
 * then nothing is pre-approved by default, and what would ask goes to the caller.
 */
export const ClaudeCodeConfigSchema = z.object({
  model: z.string().min(1).optional(),
  permission_mode: z
    .enum(["default", "acceptEdits", "bypassPermissions", "plan", "dontAsk", "auto"])
    .default("acceptEdits"),
  /** Default: `["Bash"]`, or none when the run relays approvals (see claudeAllowedTools). */
  allowed_tools: z.array(z.string().min(1)).optional(),
  disallowed_tools: z.array(z.string().min(1)).default([]),
  max_turns: z.number().int().positive().optional(),
  orchestration: OrchestrationField,
});
export type ClaudeCodeConfig = z.infer<typeof ClaudeCodeConfigSchema>;

/** The tools Claude Code may use without asking: as configured, else Bash unless the caller is asked. */
export const claudeAllowedTools = (config: ClaudeCodeConfig, relaying: boolean): string[] =>
  config.allowed_tools ?? (relaying ? [] : ["Bash"]);

/** Parses a run's backend_config; a bad key becomes a `bad_request` naming `backend_config.<key>`. */
export function parseAgentConfig<S extends z.ZodType>(schema: S, config: unknown): z.infer<S> {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = ["backend_config", ...(issue?.path ?? []).map(String)].join(".");
  throw badRequest(field, issue?.message ?? "invalid value");
}
