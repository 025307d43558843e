// What an orchestrating run's agent is given (runner/agents/switchyard-mcp.ts): the /mcp of the URL
// the runner dialled, and the run token only where each agent reads it from — never an argument.
import { describe, expect, it } from "vitest";
import type { BackendRun } from "../../shared/backends/backend.ts";
import { RUN_TOKEN_SECRET, RUN_TOKEN_TOOLS } from "../../shared/runs/run-token.ts";
import {
  RUN_TOKEN_ENV,
  claudeCodeMcp,
  codexMcp,
  switchyardMcpOf,
  toMcpUrl,
} from "../../runner/agents/switchyard-mcp.ts";

const TOKEN = `syrun~acme~run_${"0".repeat(21)}~${"x".repeat(43)}`;
const run = (secrets: Record<string, unknown>) => ({ secrets }) as unknown as BackendRun;

describe("Switchyard as an agent's MCP server", () => {
  it("is the /mcp of the runner's URL, on the HTTP scheme, under any base path", () => {
    expect(toMcpUrl("http://127.0.0.1:8787")).toBe("http://127.0.0.1:8787/mcp");
    expect(toMcpUrl("wss://switchyard.example.dev/base/")).toBe("https://switchyard.example.dev/base/mcp");
    expect(toMcpUrl("ws://[::1]:9000")).toBe("http://[::1]:9000/mcp");
  });

  it("is given only to a run whose dispatch carried a run token", () => {
    expect(switchyardMcpOf(run({}), "http://h/mcp")).toBeUndefined();
    expect(switchyardMcpOf(run({ [RUN_TOKEN_SECRET]: 42 }), "http://h/mcp")).toBeUndefined();
    expect(switchyardMcpOf(run({ [RUN_TOKEN_SECRET]: TOKEN }), "http://h/mcp")).toEqual({
      url: "http://h/mcp",
      token: TOKEN,
    });
  });

  it("codex: the token in its environment, the server and every run tool's approval in its config", () => {
    const { config, env } = codexMcp({ url: "http://h/mcp", token: TOKEN });
    expect(env).toEqual({ [RUN_TOKEN_ENV]: TOKEN });
    expect(JSON.stringify(config)).not.toContain(TOKEN);
    const server = (config.mcp_servers as Record<string, Record<string, unknown>>).switchyard!;
    expect(server.url).toBe("http://h/mcp");
    expect(server.bearer_token_env_var).toBe(RUN_TOKEN_ENV);
    expect(Object.keys(server.tools as object).sort()).toEqual([...RUN_TOKEN_TOOLS].sort());
  });

  it("Claude Code: the header over stdin, and the run tools allowed", () => {
    const options = claudeCodeMcp({ url: "http://h/mcp", token: TOKEN });
    expect(options.mcpServersDelivery).toBe("initialize");
    expect(options.mcpServers).toEqual({
      switchyard: { type: "http", url: "http://h/mcp", headers: { Authorization: `Bearer ${TOKEN}` } },
    });
    expect(options.allowedTools).toEqual(RUN_TOKEN_TOOLS.map((t) => `mcp__switchyard__${t}`));
  });
});
