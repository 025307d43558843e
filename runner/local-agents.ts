// The local agents this runner can drive, by canonical backend name. Adding one is one line here
// plus its probe in probe.ts.
import type { LocalAgent } from "./agents/agent.ts";
import { createClaudeCodeAgent } from "./agents/claude-code.ts";
import { createCodexAgent } from "./agents/codex.ts";
import { executablesFromEnv } from "./probe.ts";
import { createOpenAiCompatibleBackend } from "../shared/backends/openai-compatible.ts";

/** Builds the agent for one run; its processes carry `marker` (process-reaper.ts) so the run's end finds them. */
export type AgentTable = Readonly<Record<string, (marker: string) => LocalAgent>>;

const executables = executablesFromEnv(process.env);

export const LOCAL_AGENTS: AgentTable = {
  codex: (marker) => createCodexAgent({ executablePath: executables.codex, marker }),
  claude_code: (marker) => createClaudeCodeAgent({ executablePath: executables.claude_code, marker }),
  // The edge adapter itself: it only needs fetch, which a runner reaches local endpoints with.
  openai_compatible: () => createOpenAiCompatibleBackend(),
};
