// The local agents this runner can drive, by canonical backend name. Adding one is one line here
// plus its probe in probe.ts.
import type { LocalAgent } from "./agents/agent.ts";
import type { ApprovalGate } from "./agents/approval-gate.ts";
import { createClaudeCodeAgent } from "./agents/claude-code.ts";
import { createCodexAgent } from "./agents/codex.ts";
import { executablesFromEnv } from "./probe.ts";
import { createOpenAiCompatibleBackend } from "../shared/backends/openai-compatible.ts";

/** What an agent learns of the link: Switchyard's /mcp, for a run that orchestrates (switchyard-mcp.ts). */
export interface AgentLink {
  mcpUrl: string;
}

/**
 * Builds the agent for one run; its processes carry `marker` (process-reaper.ts) so the run's end
 * finds them. A runner gives the link and the run's approval gate, through which the agent asks
 * the caller when the run relays them; a server with neither (serve-a2a) gives none.
 */
export type AgentTable = Readonly<
  Record<string, (marker: string, link?: AgentLink, approvals?: ApprovalGate) => LocalAgent>
>;

const executables = executablesFromEnv(process.env);

export const LOCAL_AGENTS: AgentTable = {
  codex: (marker, link) =>
    createCodexAgent({ executablePath: executables.codex, marker, mcpUrl: link?.mcpUrl }),
  claude_code: (marker, link, approvals) =>
    createClaudeCodeAgent({
      executablePath: executables.claude_code,
      marker,
      mcpUrl: link?.mcpUrl,
      approvals,
    }),
  // The edge adapter itself: it only needs fetch, which a runner reaches local endpoints with.
  openai_compatible: () => createOpenAiCompatibleBackend(),
};
