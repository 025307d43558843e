// The local agents this runner can drive, by canonical backend name. Adding one is one line here
// plus its probe in probe.ts.
import type { LocalAgent } from "./agents/agent.ts";
import { createClaudeCodeAgent } from "./agents/claude-code.ts";
import { createCodexAgent } from "./agents/codex.ts";
import { executablesFromEnv } from "./probe.ts";
import { createOpenAiCompatibleBackend } from "../shared/backends/openai-compatible.ts";

/** What an agent learns of the link: Switchyard's /mcp, for a run that orchestrates (switchyard-mcp.ts). */
export interface AgentLink {
  mcpUrl: string;
}

/** Builds the agent for one run; its processes carry `marker` (process-reaper.ts) so the run's end finds them. */
export type AgentTable = Readonly<Record<string, (marker: string, link: AgentLink) => LocalAgent>>;

const executables = executablesFromEnv(process.env);

export const LOCAL_AGENTS: AgentTable = {
  codex: (marker, { mcpUrl }) => createCodexAgent({ executablePath: executables.codex, marker, mcpUrl }),
  claude_code: (marker, { mcpUrl }) =>
    createClaudeCodeAgent({ executablePath: executables.claude_code, marker, mcpUrl }),
  // The edge adapter itself: it only needs fetch, which a runner reaches local endpoints with.
  openai_compatible: () => createOpenAiCompatibleBackend(),
};
