// Switchyard itself as the MCP server of an orchestrating run's agent: the run token arrives in the
// dispatch's secrets, the /mcp URL is the one this runner dialled, and each agent gets them in its
// own MCP configuration — the token only in the agent's environment or stdin, never on a command line.
import type { Options } from "@anthropic-ai/claude-agent-sdk";
import type { CodexOptions } from "@openai/codex-sdk";
import type { BackendRun } from "../../shared/backends/backend.ts";
import { RUN_TOKEN_SECRET, RUN_TOKEN_TOOLS } from "../../shared/runs/run-token.ts";

/** The server's name in the agent's configuration: its tools reach the model as `mcp__switchyard__…`. */
export const SWITCHYARD_MCP_NAME = "switchyard";
/** The variable codex reads the bearer token from (`bearer_token_env_var`). */
export const RUN_TOKEN_ENV = "SWITCHYARD_RUN_TOKEN";

export interface SwitchyardMcp {
  url: string;
  token: string;
}

/** `${base}/mcp` on the HTTP scheme matching the base URL's (the runner may be given ws://). */
export function toMcpUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol.replace(/^ws/, "http");
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/mcp`;
  return url.toString();
}

/** Switchyard for this run's agent, when its dispatch carried a run token. */
export function switchyardMcpOf(run: BackendRun, mcpUrl: string | undefined): SwitchyardMcp | undefined {
  const token = run.secrets[RUN_TOKEN_SECRET];
  return typeof token === "string" && mcpUrl ? { url: mcpUrl, token } : undefined;
}

/**
 * codex: `mcp_servers.switchyard` with the token read from RUN_TOKEN_ENV, and every run tool
 * approved: `codex exec` under approval_policy "never" refuses an MCP call that needs approval.
 */
export function codexMcp(mcp: SwitchyardMcp): {
  config: NonNullable<CodexOptions["config"]>;
  env: Record<string, string>;
} {
  const tools = Object.fromEntries(RUN_TOKEN_TOOLS.map((name) => [name, { approval_mode: "approve" }]));
  return {
    config: {
      mcp_servers: { [SWITCHYARD_MCP_NAME]: { url: mcp.url, bearer_token_env_var: RUN_TOKEN_ENV, tools } },
    },
    env: { [RUN_TOKEN_ENV]: mcp.token },
  };
}

/**
 * Claude Code: an HTTP server with the bearer header, delivered over stdin (`initialize`) so the
 * header stays off the command line, and the run tools allowed (nobody is there to approve them).
 */
export function claudeCodeMcp(mcp: SwitchyardMcp): Pick<Options, "mcpServers" | "mcpServersDelivery"> & {
  allowedTools: string[];
} {
  return {
    mcpServers: {
      [SWITCHYARD_MCP_NAME]: {
        type: "http",
        url: mcp.url,
        headers: { Authorization: `Bearer ${mcp.token}` },
      },
    },
    mcpServersDelivery: "initialize",
    allowedTools: RUN_TOKEN_TOOLS.map((name) => `mcp__${SWITCHYARD_MCP_NAME}__${name}`),
  };
}
