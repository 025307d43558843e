// codex and claude_code end to end: wrangler dev, a real switchyard-runner process over a real
// WebSocket, the real codex CLI and Claude Code executable — only the model is a fake on 127.0.0.1.
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type AnthropicTurn, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import type { RecordedRequest } from "../fixtures/fake-model-server.ts";
import { startFakeOpenAi, type FakeOpenAi, type OpenAiTurn } from "../fixtures/fake-openai-responses.ts";
import { agentPids, type AgentsEnv } from "./support/agents-env.ts";
import { startAgentsStack, type AgentsStack } from "./support/agents-stack.ts";
import { allEvents, callOk } from "./support/mcp-http.ts";
import type { RunnerProcess } from "./support/runner-process.ts";

let openai: FakeOpenAi;
let anthropic: FakeAnthropic;
let stack: AgentsStack;
let agents: AgentsEnv;
let runner: RunnerProcess;
let client: Client;

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startFakeOpenAi(), startFakeAnthropic()]);
  stack = await startAgentsStack({
    runnerName: "e2e-agents",
    openAiUrl: openai.url,
    anthropicUrl: anthropic.url,
  });
  ({ agents, runner, client } = stack);
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([openai?.close(), anthropic?.close()]);
});

/** What differs between the two agents in these tests. */
interface Case {
  backend: "codex" | "claude_code";
  script(turns: (OpenAiTurn | AnthropicTurn)[]): void;
  requests(): RecordedRequest[];
}
const CASES: Case[] = [
  { backend: "codex", script: (t) => openai.script(t as OpenAiTurn[]), requests: () => openai.requests },
  {
    backend: "claude_code",
    script: (t) => anthropic.script(t as AnthropicTurn[]),
    requests: () => anthropic.requests,
  },
];

async function workDir(name: string): Promise<string> {
  const dir = join(agents.root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Runs to the end and checks the log against what the runner says it produced. */
async function finished(runId: string) {
  const events = await allEvents(client, runId);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  const line = await runner.printed(
    new RegExp(`run ${runId} (completed|failed|cancelled) \\((\\d+) events\\)`),
  );
  const produced = Number(/\((\d+) events\)/.exec(line)![1]);
  expect(events.filter((e) => e.type !== "status_changed")).toHaveLength(produced);
  return { events, run: await callOk(client, "get_run", { run_id: runId }) };
}

describe.each(CASES)("$backend through a runner", (c) => {
  it("completes with the fake's answer as final_response and records usage", async () => {
    c.script([{ kind: "text", text: `Hello from ${c.backend}.` }]);
    const spawned = await callOk(client, "spawn_run", {
      backend: c.backend,
      prompt: "Say hello.",
      cwd: await workDir(`${c.backend}-hello`),
    });
    const { events, run } = await finished(spawned.run_id);
    expect(run.status).toBe("completed");
    expect(run.result.final_response).toBe(`Hello from ${c.backend}.`);
    expect(run.result.usage.input_tokens).toBeGreaterThan(0);
    expect(run.result.usage.output_tokens).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === "usage").length).toBeGreaterThan(0);
    expect(run.remote_ref.runner).toBe("e2e-agents");
  });

  it("really runs a shell command in cwd; the log shows it with its output and exit code", async () => {
    const cwd = await workDir(`${c.backend}-shell`);
    c.script([
      { kind: "shell", command: "echo hi > created.txt && echo made-it" },
      { kind: "text", text: "Created the file." },
    ]);
    const spawned = await callOk(client, "spawn_run", {
      backend: c.backend,
      prompt: "Create created.txt.",
      cwd,
    });
    const { events, run } = await finished(spawned.run_id);
    expect(run.status).toBe("completed");
    expect(existsSync(join(cwd, "created.txt"))).toBe(true);
    expect((await readFile(join(cwd, "created.txt"), "utf8")).trim()).toBe("hi");
    const done = events.find((e) => e.type === "command_finished");
    expect(done?.data.command).toContain("created.txt");
    expect(done?.data.output).toContain("made-it");
    expect(done?.data.exit_code).toBe(0);
    expect(events.findIndex((e) => e.type === "command_started")).toBeLessThan(events.indexOf(done!));
  });

  it("returns structured_output for an output_schema", async () => {
    c.script([{ kind: "json", value: { answer: 42 } }]);
    const spawned = await callOk(client, "spawn_run", {
      backend: c.backend,
      prompt: "Answer as JSON.",
      cwd: await workDir(`${c.backend}-json`),
      output_schema: {
        type: "object",
        properties: { answer: { type: "number" } },
        required: ["answer"],
        additionalProperties: false,
      },
    });
    const { run } = await finished(spawned.run_id);
    expect(run.result.structured_output).toEqual({ answer: 42 });
    expect(run.result.structured_output_validation).toEqual({ valid: true });
  });

  it("a second run with session_mode resume continues the conversation", async () => {
    const cwd = await workDir(`${c.backend}-resume`);
    c.script([
      { kind: "text", text: "The secret word is PINEAPPLE." },
      { kind: "text", text: "You said PINEAPPLE." },
    ]);
    const first = await callOk(client, "spawn_run", {
      backend: c.backend,
      prompt: "Remember a secret word.",
      cwd,
    });
    await finished(first.run_id);
    const before = c.requests().length;
    const second = await callOk(client, "spawn_run", {
      backend: c.backend,
      prompt: "What was the word?",
      cwd,
      session_mode: "resume",
      session_id: first.session_id,
    });
    const { run } = await finished(second.run_id);
    expect(run.result.final_response).toBe("You said PINEAPPLE.");
    const resumed = c
      .requests()
      .slice(before)
      .filter((r) => r.scripted);
    const sent = JSON.stringify(resumed.at(-1)!.body);
    expect(sent).toContain("Remember a secret word.");
    expect(sent).toContain("The secret word is PINEAPPLE.");
  });

  it("cancel_run mid-turn ends the run cancelled and leaves no agent process", async () => {
    c.script([{ kind: "text", text: "too late", delayMs: 120_000 }]);
    const before = c.requests().filter((r) => r.scripted).length;
    const spawned = await callOk(client, "spawn_run", {
      backend: c.backend,
      prompt: "Take your time.",
      cwd: await workDir(`${c.backend}-cancel`),
    });
    // The agent is mid-turn once the fake holds its scripted request open.
    while (c.requests().filter((r) => r.scripted).length === before)
      await new Promise((r) => setTimeout(r, 50));
    expect((await agentPids(agents.home)).length).toBeGreaterThan(0);
    const cancelled = await callOk(client, "cancel_run", { run_id: spawned.run_id });
    expect(cancelled.status).toBe("cancelled");
    await runner.printed(`run ${spawned.run_id} cancelled`);
    expect(await agentPids(agents.home)).toEqual([]);
  });
});

describe("turn metrics of runner backends", () => {
  it("codex and claude_code usage rolls up per backend to the sums of their usage events", async () => {
    const { groups } = await callOk(client, "get_metrics", { group_by: "backend" });
    for (const backend of ["codex", "claude_code"]) {
      const { runs } = await callOk(client, "list_runs", { backend, limit: 200 });
      const usage = (await Promise.all(runs.map((r: { run_id: string }) => allEvents(client, r.run_id))))
        .flat()
        .filter((e) => e.type === "usage")
        .map((e) => e.data as Record<string, number>);
      const group = groups.find((g: { key: string }) => g.key === backend);
      for (const field of [
        "input_tokens",
        "cached_input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "total_tokens",
      ]) {
        expect(group[field], `${backend} ${field}`).toBe(usage.reduce((n, u) => n + (u[field] ?? 0), 0));
      }
      expect(group.runs).toBe(runs.length);
    }
  });
});
