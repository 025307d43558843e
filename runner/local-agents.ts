// The local agents this runner can drive, by canonical backend name. Adding one is one line here
// plus its probe in probe.ts.
import type { LocalAgent } from "./agents/agent.ts";
import type { ApprovalGate } from "./agents/approval-gate.ts";
import { createClaudeCodeAgent } from "./agents/claude-code.ts";
import { createCodexAgent } from "./agents/codex.ts";
import { executablesFromEnv } from "./probe.ts";
import { createOpenAiCompatibleBackend } from "../shared/backends/openai-compatible.ts";

/**
 * Builds the agent for one run; its processes carry `marker` (process-reaper.ts) so the run's end
 * finds them, and it asks the caller through `approvals` when the run relays them (a server with no
 * caller to ask, serve-a2a, gives none: its runs never relay).
 */
export type AgentTable = Readonly<Record<string, (marker: string, approvals?: ApprovalGate) => LocalAgent>>;

const executables = executablesFromEnv(process.env);

export const LOCAL_AGENTS: AgentTable = {
  codex: (marker) => createCodexAgent({ executablePath: executables.codex, marker }),
  claude_code: (marker, approvals) =>
    createClaudeCodeAgent({ executablePath: executables.claude_code, marker, approvals }),
  // The edge adapter itself: it only needs fetch, which a runner reaches local endpoints with.
  openai_compatible: () => createOpenAiCompatibleBackend(),
};
