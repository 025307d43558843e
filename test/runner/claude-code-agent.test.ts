// The claude_code adapter against the real Claude Code executable, with only the model faked
// (fake-anthropic.ts): completion with usage, real Bash and Write in cwd, output_schema,
// resume/continue, abort (held stream and running command), failure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LocalAgent } from "../../runner/agents/agent.ts";
import { createClaudeCodeAgent } from "../../runner/agents/claude-code.ts";
import { requestMessages, startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
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

let fake: FakeAnthropic;
let home: Awaited<ReturnType<typeof makeTempDir>>;
let cwd: Awaited<ReturnType<typeof makeTempDir>>;
let agent: LocalAgent;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  home = await makeTempDir("claude-home");
  cwd = await makeTempDir("claude-cwd");
  agent = createClaudeCodeAgent({
    env: {
      PATH: process.env.PATH,
      HOME: home.path,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: "fake-key",
    },
  });
});

afterEach(async () => {
  await killProcessesWithEnv(`HOME=${home.path}`);
  await fake.close();
  await home.remove();
  await cwd.remove();
});

/** The streamed (turn) requests, in order; probes and side requests are left out. */
const turnRequests = () => fake.requests.filter((r) => r.scripted);
const sentText = (index: number) => JSON.stringify(requestMessages(turnRequests()[index]!));
const signal = () => new AbortController().signal;

describe("claude_code agent (real Claude Code, fake model)", () => {
  it("completes with the model's answer as final_response, a usage event and the session ref", async () => {
    fake.script([{ kind: "text", text: "Hello from the fake model.", thinking: "Greeting the user." }]);
    const outputs = await collect(
      agent.start(makeRun({ cwd: cwd.path, profileText: "You are terse." }), signal()),
    );

    const sessionId = refsOf(outputs)[0]?.session_id;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(only(outputs, "run_started")).toMatchObject({ session_id: sessionId });
    expect(only(outputs, "reasoning")).toMatchObject({ text: "Greeting the user." });
    expect(only(outputs, "agent_message")).toMatchObject({ text: "Hello from the fake model." });
    expect(only(outputs, "usage")).toMatchObject({
      input_tokens: 130,
      cached_input_tokens: 20,
      output_tokens: 30,
      total_tokens: 160,
      turns: 1,
      cost_usd: expect.any(Number),
      duration_ms: expect.any(Number),
    });
    expect(terminalsOf(outputs)).toEqual([
      { type: "run_completed", data: { final_response: "Hello from the fake model." } },
    ]);
    expect(typesOf(outputs).at(-1)).toBe("run_completed");
    expect(JSON.stringify((turnRequests()[0]!.body as { system: unknown }).system)).toContain(
      "You are terse.",
    );
  });

  it("really runs Bash and Write in cwd and reports commands, exit codes and file changes", async () => {
    fake.script([
      { kind: "shell", command: "echo hi > created.txt && echo made-it" },
      { kind: "shell", command: "echo oops; exit 3" },
      {
        kind: "tool",
        name: "Write",
        input: { file_path: join(cwd.path, "written.txt"), content: "written\n" },
      },
      { kind: "text", text: "Done." },
    ]);
    const outputs = await collect(agent.start(makeRun({ cwd: cwd.path }), signal()));

    expect(readFileSync(join(cwd.path, "created.txt"), "utf8")).toBe("hi\n");
    expect(readFileSync(join(cwd.path, "written.txt"), "utf8")).toBe("written\n");
    const finished = eventsOf(outputs)
      .filter((e) => e.type === "command_finished")
      .map((e) => e.data);
    expect(finished).toMatchObject([
      {
        command: "echo hi > created.txt && echo made-it",
        output: "made-it",
        exit_code: 0,
        status: "completed",
      },
      { command: "echo oops; exit 3", exit_code: 3, status: "failed" },
    ]);
    expect(finished[1]!.output).toContain("oops");
    const started = eventsOf(outputs)
      .filter((e) => e.type === "command_started")
      .map((e) => e.data.item_id);
    expect(started).toEqual(finished.map((f) => f.item_id));
    expect(only(outputs, "file_changed")).toMatchObject({
      changes: [{ path: join(cwd.path, "written.txt"), kind: "add" }],
      status: "completed",
    });
    expect(sentText(1)).toContain("made-it");
    expect(only(outputs, "run_completed")).toEqual({ final_response: "Done." });
  });

  it("returns structured_output for an output_schema through the StructuredOutput tool", async () => {
    const schema = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] };
    fake.script([{ kind: "json", value: { answer: 42 } }]);
    const outputs = await collect(agent.start(makeRun({ cwd: cwd.path, outputSchema: schema }), signal()));

    expect(only(outputs, "run_completed")).toMatchObject({ structured_output: { answer: 42 } });
    const tools = (turnRequests()[0]!.body as { tools: { name: string; input_schema: unknown }[] }).tools;
    expect(tools.find((t) => t.name === "StructuredOutput")?.input_schema).toEqual(schema);
  });

  it("resumes a session: the earlier turns go to the model again", async () => {
    fake.script([
      { kind: "text", text: "First answer." },
      { kind: "text", text: "Second answer." },
    ]);
    const first = await collect(agent.start(makeRun({ cwd: cwd.path, prompt: "First question" }), signal()));
    const sessionId = refsOf(first)[0]!.session_id!;

    const resumed = makeRun({
      cwd: cwd.path,
      prompt: "Second question",
      sessionRef: { session_id: sessionId },
    });
    const second = await collect(agent.start(resumed, signal()));

    expect(refsOf(second)[0]).toEqual({ session_id: sessionId });
    expect(only(second, "run_completed")).toEqual({ final_response: "Second answer." });
    for (const earlier of ["First question", "First answer.", "Second question"])
      expect(sentText(1)).toContain(earlier);
  });

  it("continues a run in its session without announcing a new start", async () => {
    fake.script([
      { kind: "text", text: "First answer." },
      { kind: "text", text: "Follow-up answer." },
    ]);
    const run = makeRun({ cwd: cwd.path, prompt: "First question" });
    const first = await collect(agent.start(run, signal()));
    const followUp = { role: "user" as const, parts: [{ kind: "text" as const, text: "And then?" }] };

    const second = await collect(agent.continue({ ...run, ref: refsOf(first)[0]! }, followUp, signal()));

    expect(typesOf(second)).not.toContain("run_started");
    expect(only(second, "run_completed")).toEqual({ final_response: "Follow-up answer." });
    expect(sentText(1)).toContain("First answer.");
    expect(sentText(1)).toContain("And then?");
  });

  it("stops on abort mid-turn: no terminal event, and no Claude Code process left", async () => {
    fake.script([{ kind: "text", text: "Too late.", delayMs: 60_000 }]);
    const controller = new AbortController();
    const turn = drain(agent.start(makeRun({ cwd: cwd.path }), controller.signal));
    await waitFor(() => turnRequests().length > 0);
    const pids = await pidsWithEnv(`HOME=${home.path}`);
    expect((await Promise.all(pids.map(commandLine))).some((c) => c.includes("claude"))).toBe(true);

    controller.abort();
    const outputs = await turn.done;

    expect(terminalsOf(outputs)).toEqual([]);
    for (const pid of pids) expect(await isLive(pid)).toBe(false);
  });

  it("kills the command Claude Code is running when aborted mid-command", async () => {
    // Claude Code refuses a bare `sleep`; a blocking tail is a long command it accepts.
    fake.script([
      { kind: "shell", command: "timeout 120 tail -f /dev/null; echo ended" },
      { kind: "text", text: "Never." },
    ]);
    const controller = new AbortController();
    const turn = drain(agent.start(makeRun({ cwd: cwd.path }), controller.signal));
    const running = async () =>
      (await Promise.all((await pidsWithEnv(`HOME=${home.path}`)).map(commandLine))).some((c) =>
        c.startsWith("tail"),
      );
    await waitFor(running);
    const pids = await pidsWithEnv(`HOME=${home.path}`);

    controller.abort();
    const outputs = await turn.done;

    expect(terminalsOf(outputs)).toEqual([]);
    for (const pid of pids) expect(await isLive(pid)).toBe(false);
  });

  it("rides out an overloaded model: Claude Code's retry is logged as a notice and the turn completes", async () => {
    fake.script([
      { kind: "error", status: 529, message: "the fake is overloaded" },
      { kind: "text", text: "Made it after all." },
    ]);
    const outputs = await collect(agent.start(makeRun({ cwd: cwd.path }), signal()));

    expect(turnRequests()).toHaveLength(2);
    const retries = eventsOf(outputs).filter(
      (e) => e.type === "message_added" && e.data.notice === "api_retry",
    );
    expect(retries).toHaveLength(1);
    expect(retries[0]!.data).toMatchObject({ role: "system", level: "warning", attempt: 1 });
    expect(String(retries[0]!.data.text)).toContain("HTTP 529");
    expect(terminalsOf(outputs)).toEqual([
      { type: "run_completed", data: { final_response: "Made it after all." } },
    ]);
    expect(await pidsWithEnv(`HOME=${home.path}`)).toEqual([]);
  });

  it("fails the run when the model refuses the request", async () => {
    // Claude Code retries even a 400 a few times; the fake keeps refusing.
    fake.script([{ kind: "error", status: 400, message: "the fake refuses", sticky: true }]);
    const outputs = await collect(agent.start(makeRun({ cwd: cwd.path }), signal()));

    expect(terminalsOf(outputs)).toHaveLength(1);
    expect(terminalsOf(outputs)[0]).toMatchObject({
      type: "run_failed",
      data: { error: { code: "backend_failed" } },
    });
    expect(JSON.stringify(terminalsOf(outputs))).toContain("the fake refuses");
  });

  it("fails a bad backend_config as a bad request naming the field", async () => {
    const run = makeRun({ cwd: cwd.path, config: { permission_mode: "yolo" } });
    const outputs = await collect(agent.start(run, signal()));

    expect(terminalsOf(outputs)).toEqual([
      {
        type: "run_failed",
        data: {
          error: { code: "bad_request", message: expect.stringContaining("backend_config.permission_mode") },
        },
      },
    ]);
    expect(fake.requests).toHaveLength(0);
  });
});
