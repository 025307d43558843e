// Sub-agents that orchestrate, end to end: wrangler dev, a real switchyard-runner process, the real
// codex CLI and Claude Code executable (only their models faked) given Switchyard as their MCP server
// with the run's token. The model calls spawn_run for a remote_a2a child against a real A2A agent,
// then wait_runs for it.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_TOKEN_TOOLS } from "../../shared/runs/run-token.ts";
import { startA2aAgents } from "../fixtures/a2a-agents.ts";
import {
  requestMessages,
  startFakeAnthropic,
  type AnthropicTurn,
  type FakeAnthropic,
} from "../fixtures/fake-anthropic.ts";
import type { RecordedRequest } from "../fixtures/fake-model-server.ts";
import { responseInput, startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { makeAgentsEnv } from "./support/agents-env.ts";
import { AgentsStack } from "./support/agents-stack.ts";
import { allEvents, callOk } from "./support/mcp-http.ts";

let openai: FakeOpenAi;
let anthropic: FakeAnthropic;
let a2a: Awaited<ReturnType<typeof startA2aAgents>>;
let stack: AgentsStack;

beforeAll(async () => {
  [openai, anthropic, a2a] = await Promise.all([startFakeOpenAi(), startFakeAnthropic(), startA2aAgents()]);
  // The children run at the edge against the A2A agents on loopback.
  stack = await AgentsStack.start("e2e-orchestrator", await makeAgentsEnv(openai.url, anthropic.url), {
    SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*",
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([openai?.close(), anthropic?.close(), a2a?.close()]);
});

/** The tools codex offered its model inside the `mcp__switchyard` namespace. */
function codexOffered(request: RecordedRequest): string[] {
  const tools = ((request.body as { tools?: Record<string, any>[] }).tools ?? []).filter(Boolean);
  const namespace = tools.find((t) => t.type === "namespace" && t.name === "mcp__switchyard");
  return ((namespace?.tools ?? []) as { name: string }[]).map((t) => t.name);
}

/** The switchyard tools Claude Code names to its model (deferred behind ToolSearch, each listed by name). */
function claudeOffered(request: RecordedRequest): string[] {
  const names = JSON.stringify(request.body).match(/mcp__switchyard__[a-z_]+/g) ?? [];
  return [...new Set(names.map((n) => n.slice("mcp__switchyard__".length)))];
}

/** The run ids in the conversation so far (the tool results the agent got back). */
const runIdsIn = (conversation: unknown[]) => [
  ...new Set(JSON.stringify(conversation).match(/run_[0-9a-z]{21}/g) ?? []),
];

const SPAWN_CHILD = {
  backend: "remote_a2a",
  role: "researcher",
  prompt: "summarise the repo",
};
const WAIT = (ids: string[]) => ({ run_ids: ids, mode: "all", wait_ms: 20_000 });

/** What differs between the two agents here: how their model calls a switchyard tool. */
interface Case {
  backend: "codex" | "claude_code";
  script(childAgentUrl: string): void;
  requests(): RecordedRequest[];
  conversation(request: RecordedRequest): unknown[];
  offered(requests: RecordedRequest[]): string[];
}

const CASES: Case[] = [
  {
    backend: "codex",
    script: (agentUrl) =>
      openai.script([
        {
          kind: "call",
          namespace: "mcp__switchyard",
          name: "spawn_run",
          arguments: { ...SPAWN_CHILD, backend_config: { agent_url: agentUrl } },
        },
        {
          kind: "call",
          namespace: "mcp__switchyard",
          name: "wait_runs",
          // The child's id, from the spawn_run result codex sent back.
          arguments: (request) => WAIT(runIdsIn(responseInput(request))),
        },
        { kind: "text", text: "The researcher finished." },
      ]),
    requests: () => openai.requests,
    conversation: responseInput,
    offered: (requests) => codexOffered(requests[0]!),
  },
  {
    backend: "claude_code",
    script: (agentUrl) =>
      anthropic.script([
        // MCP tools are deferred: the model loads them through ToolSearch first.
        {
          kind: "tool",
          name: "ToolSearch",
          input: { query: "select:mcp__switchyard__spawn_run,mcp__switchyard__wait_runs", max_results: 5 },
        },
        {
          kind: "tool",
          name: "mcp__switchyard__spawn_run",
          input: { ...SPAWN_CHILD, backend_config: { agent_url: agentUrl } },
        },
        {
          kind: "tool",
          name: "mcp__switchyard__wait_runs",
          input: (request) => WAIT(runIdsIn(requestMessages(request))),
        },
        { kind: "text", text: "The researcher finished." },
      ] satisfies AnthropicTurn[]),
    requests: () => anthropic.requests.filter((r) => r.scripted),
    conversation: requestMessages,
    offered: (requests) => claudeOffered(requests[0]!),
  },
];

describe.each(CASES)("a $backend run with orchestration: true", (agent) => {
  it("spawns a remote_a2a child through Switchyard's MCP tools and waits for it", async () => {
    const cwd = join(stack.agents.root, `planner-${agent.backend}`);
    await mkdir(cwd, { recursive: true });
    agent.script(a2a.urls.streaming);
    const first = agent.requests().length;
    const planner = await callOk(stack.client, "spawn_run", {
      backend: agent.backend,
      role: "planner",
      prompt: "Fan out one researcher and wait for it.",
      cwd,
      backend_config: { orchestration: true },
    });
    const events = await allEvents(stack.client, planner.run_id);
    const record = await callOk(stack.client, "get_run", { run_id: planner.run_id });
    expect(record.status, JSON.stringify(events.slice(-3))).toBe("completed");
    expect(record.result.final_response).toBe("The researcher finished.");

    // The child is the planner's, ran at the edge against the real A2A agent, and completed.
    expect(record.child_run_ids).toHaveLength(1);
    const childId = record.child_run_ids[0];
    const child = await callOk(stack.client, "get_run", { run_id: childId });
    expect(child).toMatchObject({
      parent_run_id: planner.run_id,
      backend: "remote_a2a",
      status: "completed",
    });
    expect(child.role).toBe("researcher");

    // The agent was offered the run tools and no other Switchyard tool, and two calls succeeded.
    const requests = agent.requests().slice(first);
    expect(agent.offered(requests).sort()).toEqual([...RUN_TOKEN_TOOLS].sort());
    const finished = events
      .filter((e) => e.type === "tool_finished" && e.data.name !== "ToolSearch")
      .map((e) => [String(e.data.name).replace("mcp__switchyard__", ""), e.data.status]);
    expect(finished).toEqual([
      ["spawn_run", "completed"],
      ["wait_runs", "completed"],
    ]);
    // wait_runs answered the model with the child finished.
    const last = requests.at(-1)!;
    expect(runIdsIn(agent.conversation(last))).toEqual([childId]);
    const waited = JSON.stringify(agent.conversation(last));
    expect(waited).toMatch(/\\*"done\\*":true/);
    expect(waited).toMatch(/\\*"status\\*":\\*"completed\\*"/);

    // The token stayed in the agent's configuration: no event or record of either run holds one.
    const stored = JSON.stringify([events, record, child, await allEvents(stack.client, childId)]);
    expect(stored).not.toContain("syrun~");
    // Nor do the Worker's log or the runner's.
    expect(stack.dev.log).toContain("/mcp");
    expect(stack.dev.log + stack.runner.lines.join("\n")).not.toContain("syrun~");
  }, 120_000);
});
