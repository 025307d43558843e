// The stack the local-agent end-to-end tests run on: wrangler dev, one real switchyard-runner
// process whose agents (the real codex and Claude Code) talk to the given fake model servers, and an
// MCP client of the tenant; stopping it also kills any agent process left behind.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { agentPids, makeAgentsEnv, type AgentsEnv } from "./agents-env.ts";
import { connectHttp } from "./mcp-http.ts";
import { RunnerProcess } from "./runner-process.ts";
import { WranglerDev } from "./wrangler-dev.ts";

const MCP_TOKEN = "e2e-mcp";
const RUNNER_TOKEN = "e2e-runner";

export interface AgentsStack {
  agents: AgentsEnv;
  dev: WranglerDev;
  runner: RunnerProcess;
  client: Client;
  stop(): Promise<void>;
}

export async function startAgentsStack(o: {
  runnerName: string;
  openAiUrl: string;
  anthropicUrl: string;
  /** More Worker variables (the edge allow list, …). */
  vars?: Record<string, string>;
}): Promise<AgentsStack> {
  const agents = await makeAgentsEnv(o.openAiUrl, o.anthropicUrl);
  const dev = new WranglerDev({
    vars: {
      SWITCHYARD_TOKENS: `e2e=${MCP_TOKEN}`,
      SWITCHYARD_RUNNER_TOKENS: `e2e=${RUNNER_TOKEN}`,
      ...o.vars,
    },
  });
  await dev.start();
  const runner = new RunnerProcess({
    url: dev.url,
    token: RUNNER_TOKEN,
    name: o.runnerName,
    roots: [agents.root],
    env: agents.env,
  });
  await runner.printed("connected");
  const client = await connectHttp(dev.url, MCP_TOKEN);
  return {
    agents,
    dev,
    runner,
    client,
    async stop() {
      await client.close();
      await runner.stop();
      await dev.stop();
      for (const pid of await agentPids(agents.home)) process.kill(pid, "SIGKILL");
    },
  };
}
