// The codex adapter against the real codex CLI, with only the model faked (fake-openai-responses.ts):
// completion with usage, a real shell command in cwd, output_schema, resume/continue, abort, failure.
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCodexAgent } from "../../runner/agents/codex.ts";
import type { LocalAgent } from "../../runner/agents/agent.ts";
import {
  codexConfigToml,
  responseInput,
  startFakeOpenAi,
  type FakeOpenAi,
} from "../fixtures/fake-openai-responses.ts";
import {
  collect,
  commandLine,
  drain,
  eventsOf,
  isLive,
  killProcessesWithEnv,
  makeRun,
  makeTempDir,
  only,
  pidsWithEnv,
  refsOf,
  terminalsOf,
  typesOf,
  waitFor,
} from "./support/agent-harness.ts";

let fake: FakeOpenAi;
let home: Awaited<ReturnType<typeof makeTempDir>>;
let cwd: Awaited<ReturnType<typeof makeTempDir>>;
let agent: LocalAgent;

beforeEach(async () => {
  fake = await startFakeOpenAi();
  home = await makeTempDir("codex-home");
  cwd = await makeTempDir("codex-cwd");
  await writeFile(join(home.path, "config.toml"), codexConfigToml(fake.url, "FAKE_OPENAI_KEY"));
  agent = createCodexAgent({
    env: { PATH: process.env.PATH, HOME: home.path, CODEX_HOME: home.path, FAKE_OPENAI_KEY: "fake-key" },
  });
});

afterEach(async () => {
  await killProcessesWithEnv(`CODEX_HOME=${home.path}`);
  await fake.close();
  await home.remove();
  await cwd.remove();
});

/** Text of every message item codex sent in one request, flattened for containment checks. */
const sentText = (index: number) => JSON.stringify(responseInput(fake.requests[index]!));

describe("codex agent (real codex CLI, fake model)", () => {
  it("completes with the model's answer as final_response, a usage event and the thread ref", async () => {
    fake.script([{ kind: "text", text: "Hello from the fake model.", reasoning: "Greeting the user." }]);
    const outputs = await collect(
      agent.start(
        makeRun({ cwd: cwd.path, profileText: "You are terse.", config: { model: "fake-model" } }),
        new AbortController().signal,
      ),
    );

    const threadId = refsOf(outputs)[0]?.thread_id;
    expect(threadId).toMatch(/\S+/);
    expect(only(outputs, "run_started")).toEqual({ thread_id: threadId });
    expect(only(outputs, "reasoning")).toMatchObject({ text: "Greeting the user." });
    expect(only(outputs, "agent_message")).toMatchObject({ text: "Hello from the fake model." });
    expect(only(outputs, "usage")).toMatchObject({
      input_tokens: 100,
      cached_input_tokens: 20,
      output_tokens: 30,
      reasoning_tokens: 5,
      total_tokens: 130,
      model: "fake-model",
    });
    expect(only(outputs, "usage").duration_ms).toEqual(expect.any(Number));
    expect(terminalsOf(outputs)).toEqual([
      { type: "run_completed", data: { final_response: "Hello from the fake model." } },
    ]);
    expect(typesOf(outputs).at(-1)).toBe("run_completed");
    expect(sentText(0)).toContain("<instructions>\\nYou are terse.\\n</instructions>");
  });

  it("really runs the model's shell calls in cwd and reports command, output and exit code", async () => {
    fake.script([
      { kind: "shell", command: "echo hi > created.txt && echo made-it" },
      { kind: "shell", command: "echo oops; exit 3" },
      { kind: "text", text: "Created the file." },
    ]);
    const outputs = await collect(agent.start(makeRun({ cwd: cwd.path }), new AbortController().signal));

    expect(readFileSync(join(cwd.path, "created.txt"), "utf8")).toBe("hi\n");
    const finished = eventsOf(outputs)
      .filter((e) => e.type === "command_finished")
      .map((e) => e.data);
    expect(finished).toHaveLength(2);
    expect(finished[0]).toMatchObject({ exit_code: 0, status: "completed" });
    expect(finished[0]!.command).toContain("echo hi > created.txt");
    expect(finished[0]!.output).toContain("made-it");
    expect(finished[1]).toMatchObject({ exit_code: 3, status: "failed" });
    expect(finished[1]!.output).toContain("oops");
    const started = eventsOf(outputs)
      .filter((e) => e.type === "command_started")
      .map((e) => e.data.item_id);
    expect(started).toEqual(finished.map((f) => f.item_id));
    // The tool output went back to the model before its final answer.
    expect(sentText(1)).toContain("function_call_output");
    expect(only(outputs, "run_completed")).toEqual({ final_response: "Created the file." });
  });

  it("returns structured_output for an output_schema and sends the schema to the model", async () => {
    const schema = {
      type: "object",
      properties: { answer: { type: "number" } },
      required: ["answer"],
      additionalProperties: false,
    };
    fake.script([{ kind: "json", value: { answer: 42 } }]);
    const outputs = await collect(
      agent.start(makeRun({ cwd: cwd.path, outputSchema: schema }), new AbortController().signal),
    );

    expect(only(outputs, "run_completed")).toEqual({
      final_response: '{"answer":42}',
      structured_output: { answer: 42 },
    });
    expect(JSON.stringify(fake.requests[0]!.body)).toContain('"additionalProperties":false');
  });

  it("resumes a session: the earlier turns go to the model again", async () => {
    fake.script([
      { kind: "text", text: "First answer." },
      { kind: "text", text: "Second answer." },
    ]);
    const first = await collect(
      agent.start(makeRun({ cwd: cwd.path, prompt: "First question" }), new AbortController().signal),
    );
    const threadId = refsOf(first)[0]!.thread_id!;

    const resumed = makeRun({
      cwd: cwd.path,
      prompt: "Second question",
      sessionRef: { thread_id: threadId },
    });
    const second = await collect(agent.start(resumed, new AbortController().signal));

    expect(refsOf(second)[0]).toEqual({ thread_id: threadId });
    expect(only(second, "run_completed")).toEqual({ final_response: "Second answer." });
    for (const earlier of ["First question", "First answer.", "Second question"])
      expect(sentText(1)).toContain(earlier);
  });

  it("continues a run in its thread without announcing a new start", async () => {
    fake.script([
      { kind: "text", text: "First answer." },
      { kind: "text", text: "Follow-up answer." },
    ]);
    const run = makeRun({ cwd: cwd.path, prompt: "First question" });
    const first = await collect(agent.start(run, new AbortController().signal));
    const followUp = { role: "user" as const, parts: [{ kind: "text" as const, text: "And then?" }] };

    const second = await collect(
      agent.continue({ ...run, ref: refsOf(first)[0]! }, followUp, new AbortController().signal),
    );

    expect(typesOf(second)).not.toContain("run_started");
    expect(only(second, "run_completed")).toEqual({ final_response: "Follow-up answer." });
    expect(sentText(1)).toContain("First answer.");
    expect(sentText(1)).toContain("And then?");
  });

  it("stops on abort mid-turn: no terminal event, and no codex process left", async () => {
    fake.script([{ kind: "text", text: "Too late.", delayMs: 60_000 }]);
    const controller = new AbortController();
    const done = collect(agent.start(makeRun({ cwd: cwd.path }), controller.signal));
    await waitFor(() => fake.requests.length > 0);
    const pids = await pidsWithEnv(`CODEX_HOME=${home.path}`);
    const commands = await Promise.all(pids.map(commandLine));
    expect(commands.some((c) => c.includes("codex"))).toBe(true);

    controller.abort();
    const outputs = await done;

    expect(terminalsOf(outputs)).toEqual([]);
    for (const pid of pids) expect(await isLive(pid)).toBe(false);
  });

  it("kills the command codex is running when aborted mid-command", async () => {
    fake.script([
      { kind: "shell", command: "timeout 120 tail -f /dev/null" },
      { kind: "text", text: "Never sent." },
    ]);
    const controller = new AbortController();
    const turn = drain(agent.start(makeRun({ cwd: cwd.path }), controller.signal));
    await waitFor(() => typesOf(turn.outputs).includes("command_started"));
    await waitFor(async () =>
      (await Promise.all((await pidsWithEnv(`CODEX_HOME=${home.path}`)).map(commandLine))).some((c) =>
        c.startsWith("tail"),
      ),
    );
    const pids = await pidsWithEnv(`CODEX_HOME=${home.path}`);

    controller.abort();
    const outputs = await turn.done;

    expect(terminalsOf(outputs)).toEqual([]);
    expect(typesOf(outputs)).not.toContain("command_finished");
    for (const pid of pids) expect(await isLive(pid)).toBe(false);
  });

  it("rides out codex's reconnects and retries: the notices are logged and the turn completes", async () => {
    // The fake refuses the WebSocket (codex says "Reconnecting... n/2", then falls back to HTTPS),
    // breaks the first stream before response.completed and answers the next request with a 500.
    await writeFile(
      join(home.path, "config.toml"),
      codexConfigToml(fake.url, "FAKE_OPENAI_KEY", { retries: 2, websockets: true }),
    );
    fake.script([
      { kind: "drop" },
      { kind: "error", status: 500, message: "the fake is overloaded" },
      { kind: "text", text: "Made it after all." },
    ]);
    const outputs = await collect(agent.start(makeRun({ cwd: cwd.path }), new AbortController().signal));

    expect(fake.requests.filter((r) => r.scripted)).toHaveLength(3);
    const notices = eventsOf(outputs)
      .filter((e) => e.type === "message_added")
      .map((e) => String(e.data.text));
    expect(notices.filter((text) => text.startsWith("Reconnecting..."))).not.toEqual([]);
    expect(notices.filter((text) => text.startsWith("Falling back from WebSockets"))).toHaveLength(1);
    expect(terminalsOf(outputs)).toEqual([
      { type: "run_completed", data: { final_response: "Made it after all." } },
    ]);
    expect(await pidsWithEnv(`CODEX_HOME=${home.path}`)).toEqual([]);
  });

  it("fails the run with the model's error when the request is refused", async () => {
    fake.script([{ kind: "error", status: 400, message: "the fake refuses" }]);
    const outputs = await collect(agent.start(makeRun({ cwd: cwd.path }), new AbortController().signal));

    const [terminal] = terminalsOf(outputs);
    expect(terminalsOf(outputs)).toHaveLength(1);
    expect(terminal).toMatchObject({ type: "run_failed", data: { error: { code: "backend_failed" } } });
    expect(JSON.stringify(terminal)).toContain("the fake refuses");
  });

  it("fails a continue without a thread id as a bad request, without starting codex", async () => {
    const followUp = { role: "user" as const, parts: [{ kind: "text" as const, text: "Hi" }] };
    const outputs = await collect(
      agent.continue(makeRun({ cwd: cwd.path }), followUp, new AbortController().signal),
    );

    expect(terminalsOf(outputs)).toEqual([
      {
        type: "run_failed",
        data: { error: { code: "bad_request", message: expect.stringContaining("ref.thread_id") } },
      },
    ]);
    expect(fake.requests).toHaveLength(0);
    expect(existsSync(join(home.path, "sessions"))).toBe(false);
  });
});
