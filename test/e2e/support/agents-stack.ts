// What the agent suites run against: wrangler dev with an MCP and a runner token, one real
// switchyard-runner process taking runs under the agents' root, and an MCP client over HTTP; and
// how it all ends, agent processes included.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { agentPids, type AgentsEnv } from "./agents-env.ts";
import { connectHttp } from "./mcp-http.ts";
import { RunnerProcess, type RunnerProcessOptions } from "./runner-process.ts";
import { WranglerDev } from "./wrangler-dev.ts";

/** The tenant "e2e"'s token for /mcp (and the dashboard's sign-in). */
export const MCP_TOKEN = "e2e-mcp";
const RUNNER_TOKEN = "e2e-runner";

export class AgentsStack {
  readonly agents: AgentsEnv;
  readonly dev: WranglerDev;
  readonly runnerOptions: RunnerProcessOptions;
  readonly client: Client;
  /** The runner process now serving (a new one after restartRunner). */
  runner: RunnerProcess;

  private constructor(parts: Omit<AgentsStack, "restartRunner" | "stop">) {
    this.agents = parts.agents;
    this.dev = parts.dev;
    this.runnerOptions = parts.runnerOptions;
    this.client = parts.client;
    this.runner = parts.runner;
  }

  /**
   * Starts it all and returns once the runner is connected; `name` is the runner's, `vars` more
   * Worker variables (the edge allow list, …).
   */
  static async start(
    name: string,
    agents: AgentsEnv,
    vars: Record<string, string> = {},
  ): Promise<AgentsStack> {
    const dev = new WranglerDev({
      vars: {
        SWITCHYARD_TOKENS: `e2e=${MCP_TOKEN}`,
        SWITCHYARD_RUNNER_TOKENS: `e2e=${RUNNER_TOKEN}`,
        ...vars,
      },
    });
    await dev.start();
    const runnerOptions = { url: dev.url, token: RUNNER_TOKEN, name, roots: [agents.root], env: agents.env };
    const runner = new RunnerProcess(runnerOptions);
    await runner.printed("connected");
    const client = await connectHttp(dev.url, MCP_TOKEN);
    return new AgentsStack({ agents, dev, runnerOptions, client, runner });
  }

  /** Another runner process under the same name and options (after the last one was killed). */
  restartRunner(): RunnerProcess {
    this.runner = new RunnerProcess(this.runnerOptions);
    return this.runner;
  }

  /** Ends the client, the runner, wrangler dev and every agent process the runs left. */
  async stop(): Promise<void> {
    await this.client.close();
    await this.runner.stop();
    await this.dev.stop();
    for (const pid of await agentPids(this.agents.home)) process.kill(pid, "SIGKILL");
  }
}
