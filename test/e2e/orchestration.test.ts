// A sub-agent that orchestrates, end to end: wrangler dev, a real switchyard-runner process, the real
// codex CLI (only its model faked) given Switchyard as its MCP server with the run's token. The model
// calls spawn_run for a remote_a2a child against a real A2A agent, then wait_runs for it.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_TOKEN_TOOLS } from "../../shared/runs/run-token.ts";
import { startA2aAgents } from "../fixtures/a2a-agents.ts";
import type { RecordedRequest } from "../fixtures/fake-model-server.ts";
import { responseInput, startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { agentPids, makeAgentsEnv, type AgentsEnv } from "./support/agents-env.ts";
import { allEvents, callOk, connectHttp } from "./support/mcp-http.ts";
import { RunnerProcess } from "./support/runner-process.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const MCP_TOKEN = "e2e-mcp";
const RUNNER_TOKEN = "e2e-runner";

let openai: FakeOpenAi;
let a2a: Awaited<ReturnType<typeof startA2aAgents>>;
let agents: AgentsEnv;
let dev: WranglerDev;
let runner: RunnerProcess;
let client: Client;

beforeAll(async () => {
  [openai, a2a] = await Promise.all([startFakeOpenAi(), startA2aAgents()]);
  agents = await makeAgentsEnv(openai.url, "http://127.0.0.1:9");
  dev = new WranglerDev({
    vars: {
      SWITCHYARD_TOKENS: `e2e=${MCP_TOKEN}`,
      SWITCHYARD_RUNNER_TOKENS: `e2e=${RUNNER_TOKEN}`,
      SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*",
    },
  });
  await dev.start();
  runner = new RunnerProcess({
    url: dev.url,
    token: RUNNER_TOKEN,
    name: "e2e-orchestrator",
    roots: [agents.root],
    env: agents.env,
  });
  await runner.printed("connected");
  client = await connectHttp(dev.url, MCP_TOKEN);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await runner?.stop();
  await dev?.stop();
  for (const pid of agents ? await agentPids(agents.home) : []) process.kill(pid, "SIGKILL");
  await Promise.all([openai?.close(), a2a?.close()]);
});

/** The tools codex offered its model inside the `mcp__switchyard` namespace. */
function switchyardTools(request: RecordedRequest): string[] {
  const tools = ((request.body as { tools?: Record<string, any>[] }).tools ?? []).filter(Boolean);
  const namespace = tools.find((t) => t.type === "namespace" && t.name === "mcp__switchyard");
  return ((namespace?.tools ?? []) as { name: string }[]).map((t) => t.name);
}

/** The run ids in what codex sent the model (the tool outputs it got back so far). */
const runIdsSent = (request: RecordedRequest) => [
  ...new Set(JSON.stringify(responseInput(request)).match(/run_[0-9a-z]{21}/g) ?? []),
];

describe("a codex run with orchestration: true", () => {
  it("spawns a remote_a2a child through Switchyard's MCP tools and waits for it", async () => {
    const cwd = join(agents.root, "planner");
    await mkdir(cwd, { recursive: true });
    openai.script([
      {
        kind: "call",
        namespace: "mcp__switchyard",
        name: "spawn_run",
        arguments: {
          backend: "remote_a2a",
          role: "researcher",
          prompt: "summarise the repo",
          backend_config: { agent_url: a2a.urls.streaming },
        },
      },
      {
        kind: "call",
        namespace: "mcp__switchyard",
        name: "wait_runs",
        // The child's id, from the spawn_run result codex sent back.
        arguments: (request) => ({ run_ids: runIdsSent(request), mode: "all", wait_ms: 20_000 }),
      },
      { kind: "text", text: "The researcher finished." },
    ]);
    const first = openai.requests.length;
    const planner = await callOk(client, "spawn_run", {
      backend: "codex",
      role: "planner",
      prompt: "Fan out one researcher and wait for it.",
      cwd,
      backend_config: { orchestration: true },
    });
    const events = await allEvents(client, planner.run_id);
    const record = await callOk(client, "get_run", { run_id: planner.run_id });
    expect(record.status, JSON.stringify(events.slice(-3))).toBe("completed");
    expect(record.result.final_response).toBe("The researcher finished.");

    // The child is the planner's, ran at the edge against the real A2A agent, and completed.
    expect(record.child_run_ids).toHaveLength(1);
    const childId = record.child_run_ids[0];
    const child = await callOk(client, "get_run", { run_id: childId });
    expect(child).toMatchObject({
      parent_run_id: planner.run_id,
      backend: "remote_a2a",
      status: "completed",
    });
    expect(child.role).toBe("researcher");

    // codex was offered exactly the run tools, and called two of them successfully.
    const requests = openai.requests.slice(first);
    expect(requests).toHaveLength(3);
    expect(switchyardTools(requests[0]!).sort()).toEqual([...RUN_TOKEN_TOOLS].sort());
    const tools = events.filter((e) => e.type === "tool_finished").map((e) => [e.data.name, e.data.status]);
    expect(tools).toEqual([
      ["spawn_run", "completed"],
      ["wait_runs", "completed"],
    ]);
    // wait_runs answered the model with the child finished.
    expect(runIdsSent(requests[1]!)).toEqual([childId]);
    const waited = JSON.stringify(responseInput(requests[2]!));
    expect(waited).toContain('\\"done\\":true');
    expect(waited).toContain('\\"status\\":\\"completed\\"');

    // The token stayed in the agent's environment: no event or record of either run holds one.
    const stored = JSON.stringify([events, record, child, await allEvents(client, childId)]);
    expect(stored).not.toContain("syrun~");
  }, 120_000);
});
