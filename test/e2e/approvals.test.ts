// Approvals relayed end to end: wrangler dev, a real switchyard-runner process, the real Claude Code
// with a fake Messages model asking for Bash. The caller sees input_required with the request
// through MCP and answers it with continue_run; the same turn goes on.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestMessages, startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import { makeAgentsEnv, type AgentsEnv } from "./support/agents-env.ts";
import { AgentsStack } from "./support/agents-stack.ts";
import { allEvents, callOk } from "./support/mcp-http.ts";
import { ASKED_COMMAND as COMMAND, spawnAskingRun } from "./support/asking-run.ts";

let anthropic: FakeAnthropic;
let agents: AgentsEnv;
let stack: AgentsStack;
let client: Client;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
  agents = await makeAgentsEnv("http://127.0.0.1:9", anthropic.url);
  stack = await AgentsStack.start("e2e-approvals", agents);
  client = stack.client;
});

afterAll(async () => {
  await stack?.stop();
  await anthropic?.close();
});

/** A relaying claude_code run asked to run COMMAND, once it waits on the caller. */
async function waitingRun(name: string) {
  const { runId, cwd } = await spawnAskingRun(client, agents, anthropic, name);
  for (let after = 0; ;) {
    const page = await callOk(client, "poll_events", { run_id: runId, after_seq: after, wait_ms: 20_000 });
    if (page.status === "input_required" || page.terminal) break;
    after = page.next_after_seq;
  }
  return { runId, cwd, run: await callOk(client, "get_run", { run_id: runId }) };
}

describe("approvals relayed through Switchyard", () => {
  it("an approved command really runs in the same turn", async () => {
    const { runId, cwd, run } = await waitingRun("approve");
    expect(run.status).toBe("input_required");
    expect(run.pending_approval).toMatchObject({ tool: "Bash", command: COMMAND });
    expect(existsSync(join(cwd, "made.txt"))).toBe(false);

    const answered = await callOk(client, "continue_run", { run_id: runId, approval: { approve: true } });
    expect(answered).toMatchObject({ mode: "live", status: "running" });
    const events = await allEvents(client, runId);
    const done = await callOk(client, "get_run", { run_id: runId });
    expect(done).toMatchObject({ status: "completed", pending_approval: null });
    expect(done.result.final_response).toBe("Finished.");
    expect(existsSync(join(cwd, "made.txt"))).toBe(true);
    expect(events.filter((e) => e.type === "approval_resolved").map((e) => e.data)).toEqual([
      { request_id: run.pending_approval.request_id, approve: true, by: "caller" },
    ]);
    // One turn: the agent started once and completed once.
    expect(events.filter((e) => e.type === "run_started")).toHaveLength(1);
    expect(events.filter((e) => e.type === "run_completed")).toHaveLength(1);
  });

  it("a denied command does not run and the agent reads the caller's reason", async () => {
    const { runId, cwd } = await waitingRun("deny");
    const before = anthropic.requests.filter((r) => r.scripted).length;
    await callOk(client, "continue_run", {
      run_id: runId,
      approval: { approve: false, reason: "use the Makefile" },
    });
    await allEvents(client, runId);
    expect((await callOk(client, "get_run", { run_id: runId })).status).toBe("completed");
    expect(existsSync(join(cwd, "made.txt"))).toBe(false);
    const next = anthropic.requests.filter((r) => r.scripted)[before]!;
    expect(JSON.stringify(requestMessages(next))).toContain("the caller denied it: use the Makefile");
  });
});
