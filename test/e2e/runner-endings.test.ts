// How runner-backed runs end, end to end: wrangler dev, a real switchyard-runner process, the real
// codex CLI with only the model faked (refusing its WebSocket, so codex reconnects and falls back
// to HTTPS in every turn). Retries do not end a run; a run past timeout_s, and a runner SIGKILLed
// mid-run (with or without its guard) and started again, leave no agent process, counted by pid.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import { startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { childrenOf } from "../fixtures/process-tree.ts";
import { agentPids, makeAgentsEnv, type AgentsEnv } from "./support/agents-env.ts";
import { AgentsStack } from "./support/agents-stack.ts";
import { allEvents, callOk } from "./support/mcp-http.ts";
import type { RunnerProcess } from "./support/runner-process.ts";

let openai: FakeOpenAi;
let anthropic: FakeAnthropic;
let agents: AgentsEnv;
let stack: AgentsStack;
let runner: RunnerProcess;
let client: Client;

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startFakeOpenAi(), startFakeAnthropic()]);
  agents = await makeAgentsEnv(openai.url, anthropic.url, { retries: 2, websockets: true });
  stack = await AgentsStack.start("e2e-endings", agents);
  ({ runner, client } = stack);
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([openai?.close(), anthropic?.close()]);
});

/** Spawns a codex run whose model stalls, and returns once codex is mid-turn. */
async function stalledRun(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  openai.script([{ kind: "text", text: "too late", delayMs: 120_000 }]);
  const before = openai.requests.filter((r) => r.scripted).length;
  const cwd = join(agents.root, name);
  await mkdir(cwd, { recursive: true });
  const spawned = await callOk(client, "spawn_run", {
    backend: "codex",
    prompt: "Take your time.",
    cwd,
    ...extra,
  });
  while (openai.requests.filter((r) => r.scripted).length === before)
    await new Promise((r) => setTimeout(r, 50));
  expect((await agentPids(agents.home)).length).toBeGreaterThan(0);
  return spawned.run_id;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForStatus(runId: string, status: string) {
  for (;;) {
    const run = await callOk(client, "get_run", { run_id: runId });
    if (run.status === status) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("how runner-backed runs end", () => {
  it("codex reconnecting and retrying stays running and completes; the notices are in the log", async () => {
    openai.script([
      { kind: "drop" },
      { kind: "error", status: 500, message: "the fake is overloaded" },
      { kind: "text", text: "Made it after all." },
    ]);
    const cwd = join(agents.root, "retries");
    await mkdir(cwd, { recursive: true });
    const spawned = await callOk(client, "spawn_run", { backend: "codex", prompt: "Say hello.", cwd });
    const run = await waitForStatus(spawned.run_id, "completed");
    expect(run.result.final_response).toBe("Made it after all.");
    const events = await allEvents(client, spawned.run_id);
    expect(events.filter((e) => e.type === "run_failed")).toEqual([]);
    const notices = events.filter((e) => e.type === "message_added" && e.data.role === "system");
    expect(notices.some((e) => String(e.data.text).startsWith("Reconnecting..."))).toBe(true);
    // The notices came while the run was running: its only status changes are start and end.
    const changes = events.filter((e) => e.type === "status_changed").map((e) => e.data.to);
    expect(changes.at(-1)).toBe("completed");
    expect(changes.filter((to) => to !== "running" && to !== "completed")).toEqual([]);
    await runner.printed(`run ${spawned.run_id} completed`);
    expect(await agentPids(agents.home)).toEqual([]);
  });

  it("a run past timeout_s fails with timeout; the runner ends codex and prints the end line", async () => {
    const runId = await stalledRun("timeout", { timeout_s: 6 });
    const run = await waitForStatus(runId, "failed");
    expect(run.error.code).toBe("timeout");
    await runner.printed(`run ${runId} cancelled`);
    expect(await agentPids(agents.home)).toEqual([]);
  });

  it("a runner SIGKILLed mid-run: its guard ends codex at once; started again, the run fails", async () => {
    const runId = await stalledRun("crash");
    await runner.kill();
    await waitFor(async () => (await agentPids(agents.home)).length === 0);

    runner = stack.restartRunner();
    await runner.printed("connected");
    // The Worker's rule for a runner that comes back without a run that had started.
    const run = await waitForStatus(runId, "failed");
    expect(run.error.code).toBe("runner_lost");
  });

  it("a runner SIGKILLed with its guard leaves codex running; the next start ends it", async () => {
    const runId = await stalledRun("crash-hard");
    const guard = (await childrenOf(runner.child.pid!)).find((c) =>
      c.command.includes("switchyard-guard"),
    )?.pid;
    expect(guard).toBeDefined();
    process.kill(guard!, "SIGKILL");
    await runner.kill();
    // Nothing ended codex with the runner: it waits on its model.
    expect((await agentPids(agents.home)).length).toBeGreaterThan(0);

    runner = stack.restartRunner();
    expect(await runner.printed("left by an earlier runner")).toMatch(/^ended [1-9]\d* agent processes/);
    expect(await agentPids(agents.home)).toEqual([]);
    const run = await waitForStatus(runId, "failed");
    expect(run.error.code).toBe("runner_lost");
  });
});
