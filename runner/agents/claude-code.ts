// The claude_code adapter: runs turns of the real Claude Code executable through
// @anthropic-ai/claude-agent-sdk `query()`. What its messages mean is in claude-code-events.ts; turn
// bookkeeping and process cleanup in turn.ts.
// Types only: the SDK (tens of MB once loaded) is loaded by the first claude_code turn, so an idle
// runner does not carry it (the benchmark's memory scenario measures an idle runner).
import type { CanUseTool, Options, SDKMessage } from "@anthropic-ai/claude-agent-sdk";
import type { BackendRun } from "../../shared/backends/backend.ts";
import { badRequest } from "../../shared/errors.ts";
import { toPlainText } from "../../shared/runs/messages.ts";
import type { LocalAgent } from "./agent.ts";
import { createClaudeCodeMapper } from "./claude-code-events.ts";
import {
  ClaudeCodeConfigSchema,
  claudeAllowedTools,
  parseAgentConfig,
} from "../../shared/backends/agent-configs.ts";
import type { ApprovalRequest } from "../../shared/runs/approvals.ts";
import type { ApprovalGate } from "./approval-gate.ts";
import { newTurnMarker, withTurnMarker } from "./process-reaper.ts";
import { claudeCodeMcp, switchyardMcpOf } from "./switchyard-mcp.ts";
import { driveTurn, turnAgent, type TurnStart } from "./turn.ts";

export interface ClaudeCodeAgentOptions {
  /** Environment of the Claude Code process (replaces, not extends); tests set HOME and the base URL. */
  env?: Record<string, string | undefined>;
  /** The Claude Code executable; by default the one shipped with the SDK's platform package. */
  executablePath?: string;
  /** Tags every process of every turn (process-reaper.ts); a fresh marker per turn by default. */
  marker?: string;
  /** Where a run with `approvals: "relay"` asks the caller; without it every prompt is denied. */
  approvals?: ApprovalGate;
  /** Switchyard's /mcp, for runs dispatched with a run token (switchyard-mcp.ts). */
  mcpUrl?: string;
}

export function createClaudeCodeAgent(options: ClaudeCodeAgentOptions = {}): LocalAgent {
  const { env = process.env, executablePath } = options;

  function runTurn(run: BackendRun, turn: TurnStart, signal: AbortSignal) {
    const marker = options.marker ?? newTurnMarker();

    async function* events(): AsyncGenerator<SDKMessage> {
      if (turn.followUp && !turn.resumeId) {
        throw badRequest("ref.session_id", "expected the Claude Code session id of the run to continue");
      }
      const config = parseAgentConfig(ClaudeCodeConfigSchema, run.config);
      const gate = run.approvals === "relay" ? options.approvals : undefined;
      const abortController = new AbortController();
      const onAbort = () => abortController.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      const mcp = switchyardMcpOf(run, options.mcpUrl);
      const { allowedTools: mcpTools = [], ...mcpOptions } = mcp ? claudeCodeMcp(mcp) : {};
      const sdkOptions: Options = {
        cwd: run.cwd,
        env: withTurnMarker({ ...env, CLAUDE_AGENT_SDK_CLIENT_APP: "switchyard-runner" }, marker),
        pathToClaudeCodeExecutable: executablePath,
        abortController,
        resume: turn.resumeId,
        model: config.model,
        permissionMode: config.permission_mode,
        // The SDK insists on this second switch for bypassPermissions.
        allowDangerouslySkipPermissions: config.permission_mode === "bypassPermissions",
        // Unless the caller answers (relay), nobody is there: what would prompt is denied at once.
        ...(gate ? { canUseTool: askingThrough(gate, signal) } : { permissionPrompts: "none" }),
        allowedTools: [...claudeAllowedTools(config, gate !== undefined), ...mcpTools],
        disallowedTools: config.disallowed_tools,
        maxTurns: config.max_turns,
        systemPrompt: { type: "preset", preset: "claude_code", append: run.profileText },
        outputFormat: run.outputSchema ? { type: "json_schema", schema: run.outputSchema } : undefined,
        ...mcpOptions,
      };
      try {
        const { query } = await import("@anthropic-ai/claude-agent-sdk");
        yield* query({ prompt: turn.prompt, options: sdkOptions });
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    }

    const mapper = createClaudeCodeMapper({ announceStart: !turn.followUp });
    return driveTurn({ agent: "claude_code", events, mapper, signal, marker });
  }

  return turnAgent("session_id", (run) => toPlainText(run.message), runTurn);
}

/** Claude Code's permission prompt, answered by the caller through the run's approval gate. */
function askingThrough(gate: ApprovalGate, turn: AbortSignal): CanUseTool {
  return async (tool, input, { signal, title, description }) => {
    // A cancelled run stops waiting even if the SDK does not withdraw the prompt itself.
    const either = AbortSignal.any([signal, turn]);
    const decision = await gate.ask({ tool, ...subjectOf(input), reason: title ?? description }, either);
    return decision.approve
      ? { behavior: "allow", updatedInput: input }
      : { behavior: "deny", message: decision.message };
  };
}

/** What a tool call is about: Bash's command, a file tool's path, or else its whole input. */
function subjectOf(input: Record<string, unknown>): Pick<ApprovalRequest, "command" | "file" | "input"> {
  if (typeof input.command === "string") return { command: input.command };
  const file = input.file_path ?? input.notebook_path;
  if (typeof file === "string") return { file };
  return { input };
}
