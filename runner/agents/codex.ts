// The codex adapter: runs turns of the real codex CLI through @openai/codex-sdk. What codex's events
// mean is in codex-events.ts; turn bookkeeping and process cleanup in turn.ts.
// Types only: the SDK is loaded by the first codex turn, so an idle runner does not carry it
// (the benchmark's memory scenario measures an idle runner).
import type { Codex, CodexOptions, ThreadEvent, ThreadOptions } from "@openai/codex-sdk";
import type { BackendRun } from "../../shared/backends/backend.ts";
import { badRequest, SwitchyardError } from "../../shared/errors.ts";
import { toPlainText } from "../../shared/runs/messages.ts";
import { errorText, type LocalAgent } from "./agent.ts";
import { createCodexMapper } from "./codex-events.ts";
import { CodexConfigSchema, parseAgentConfig } from "../../shared/backends/agent-configs.ts";
import { newTurnMarker, withTurnMarker } from "./process-reaper.ts";
import { codexMcp, switchyardMcpOf } from "./switchyard-mcp.ts";
import { driveTurn, turnAgent, type TurnStart } from "./turn.ts";

export interface CodexAgentOptions {
  /** Environment of the codex process (replaces, not extends); tests point CODEX_HOME at a fake. */
  env?: Record<string, string | undefined>;
  /** The codex executable; by default the one the SDK resolves from @openai/codex. */
  executablePath?: string;
  /** Tags every process of every turn (process-reaper.ts); a fresh marker per turn by default. */
  marker?: string;
  /** Wall clock in ms. */
  now?: () => number;
  /** Switchyard's /mcp, for runs dispatched with a run token (switchyard-mcp.ts). */
  mcpUrl?: string;
}

export function createCodexAgent(options: CodexAgentOptions = {}): LocalAgent {
  const { env = process.env, executablePath, now = Date.now } = options;

  function runTurn(run: BackendRun, turn: TurnStart, signal: AbortSignal) {
    const marker = options.marker ?? newTurnMarker();
    const mapper = createCodexMapper({
      announceStart: !turn.followUp,
      structured: run.outputSchema !== undefined,
      model: CodexConfigSchema.safeParse(run.config).data?.model,
      now,
    });

    async function* events(): AsyncGenerator<ThreadEvent> {
      if (turn.followUp && !turn.resumeId) {
        throw badRequest("ref.thread_id", "expected the codex thread id of the run to continue");
      }
      const { model, reasoning_effort, sandbox_mode, approval_policy, network_access } = parseAgentConfig(
        CodexConfigSchema,
        run.config,
      );
      const threadOptions: ThreadOptions = {
        model,
        modelReasoningEffort: reasoning_effort,
        sandboxMode: sandbox_mode,
        approvalPolicy: approval_policy,
        networkAccessEnabled: network_access,
        workingDirectory: run.cwd,
        // The caller chose cwd on purpose; codex's "is this a git repo" guard is for interactive use.
        skipGitRepoCheck: true,
      };
      const mcp = switchyardMcpOf(run, options.mcpUrl);
      const withMcp = mcp ? codexMcp(mcp) : undefined;
      const codex = await createCodex(
        { ...withTurnMarker(env, marker), ...withMcp?.env },
        executablePath,
        withMcp?.config,
      );
      const thread = turn.resumeId
        ? codex.resumeThread(turn.resumeId, threadOptions)
        : codex.startThread(threadOptions);
      const streamed = await thread.runStreamed(turn.prompt, { outputSchema: run.outputSchema, signal });
      yield* streamed.events;
    }

    return driveTurn({ agent: "codex", events, mapper, signal, marker });
  }

  return turnAgent("thread_id", (run) => withProfile(run.profileText, toPlainText(run.message)), runTurn);
}

async function createCodex(
  env: Record<string, string>,
  executablePath: string | undefined,
  config: CodexOptions["config"],
): Promise<Codex> {
  try {
    const { Codex } = await import("@openai/codex-sdk");
    return new Codex({ env, codexPathOverride: executablePath, config });
  } catch (error) {
    // The SDK resolves the platform binary in its constructor; missing means not installed.
    throw new SwitchyardError("backend_unavailable", `codex is not installed: ${errorText(error)}`, {
      cause: error,
    });
  }
}

/** codex has no separate instructions slot per turn, so the profile leads the prompt. */
function withProfile(profileText: string | undefined, prompt: string): string {
  if (!profileText) return prompt;
  return `<instructions>\n${profileText}\n</instructions>\n\n${prompt}`;
}
