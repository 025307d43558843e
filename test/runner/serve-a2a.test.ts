// `serve-a2a` driven by the @a2a-js/sdk client over real HTTP, with the real codex CLI behind it and
// only the model faked (fake-openai-responses.ts): the card and its token, streaming to completion
// with a real command in the context's cwd, input-required and the session resumed within a context,
// cwd refused outside the root, cancel ending codex's processes, and the A2A 0.3 wire.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { AGENT_CARD_PATH, TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCodexAgent } from "../../runner/agents/codex.ts";
import { startServeA2a, type ServeA2aHandle } from "../../runner/serve-a2a/serve.ts";
import {
  codexConfigToml,
  responseInput,
  startFakeOpenAi,
  type FakeOpenAi,
} from "../fixtures/fake-openai-responses.ts";
import {
  commandLine,
  isLive,
  killProcessesWithEnv,
  makeTempDir,
  pidsWithEnv,
  waitFor,
} from "./support/agent-harness.ts";
import { connect, finalOf, itemOf, stream as streamTo, userMessage } from "./support/a2a-client.ts";

const TOKEN = "serve-a2a-test-token-0123";

let fake: FakeOpenAi;
let home: Awaited<ReturnType<typeof makeTempDir>>;
let root: Awaited<ReturnType<typeof makeTempDir>>;
let outside: Awaited<ReturnType<typeof makeTempDir>>;
let served: ServeA2aHandle;
let lines: string[];
let client: Client;

beforeEach(async () => {
  fake = await startFakeOpenAi();
  [home, root, outside] = await Promise.all([
    makeTempDir("serve-codex-home"),
    makeTempDir("serve-root"),
    makeTempDir("serve-outside"),
  ]);
  await writeFile(join(home.path, "config.toml"), codexConfigToml(fake.url, "FAKE_OPENAI_KEY"));
  lines = [];
  const env = { PATH: process.env.PATH, HOME: home.path, CODEX_HOME: home.path, FAKE_OPENAI_KEY: "fake-key" };
  served = await startServeA2a(
    { agent: "codex", host: "127.0.0.1", port: 0, roots: [root.path], token: TOKEN },
    { agentOf: (marker) => createCodexAgent({ env, marker }), log: (line) => lines.push(line) },
  );
  client = await connect(served.agentUrl, TOKEN);
});

afterEach(async () => {
  await served.close();
  await killProcessesWithEnv(`CODEX_HOME=${home.path}`);
  await fake.close();
  await Promise.all([home.remove(), root.remove(), outside.remove()]);
});

const reply = (status: "completed" | "input_required", message: string) => ({
  kind: "json" as const,
  value: { status, message },
});
const sentText = (index: number) => JSON.stringify(responseInput(fake.requests[index]!));
const stream = (message: Parameters<typeof streamTo>[1]) => streamTo(client, message);

describe("serve-a2a (real codex CLI, fake model, a2a-js client)", () => {
  it("publishes a card naming its endpoint for A2A 1.0 and 0.3, and refuses calls without the token", async () => {
    const card: any = await (await fetch(`${served.agentUrl}/${AGENT_CARD_PATH}`)).json();
    expect(card.name).toBe("switchyard-codex");
    expect(card.capabilities.streaming).toBe(true);
    expect(card.supportedInterfaces.map((i: { protocolVersion: string }) => i.protocolVersion)).toEqual([
      "1.0",
      "0.3",
    ]);

    const wrong = await connect(served.agentUrl, "not-the-token-at-all");
    await expect(
      wrong.sendMessage({
        tenant: "",
        message: userMessage("hi"),
        configuration: undefined,
        metadata: undefined,
      }),
    ).rejects.toThrow(/401/);
    const bare = await fetch(`${served.agentUrl}/a2a/jsonrpc`, { method: "POST", body: "{}" });
    expect(bare.status).toBe(401);
    expect(fake.requests).toHaveLength(0);
    // What start-up printed: the URL and a spawn_run payload carrying it, the token and the root.
    expect(lines).toContain(`agent_url ${served.agentUrl}`);
    const payload = JSON.parse(lines.find((l) => l.startsWith("spawn_run "))!.slice("spawn_run ".length));
    expect(payload).toMatchObject({
      backend: "remote_a2a",
      cwd: root.path,
      backend_config: { agent_url: served.agentUrl, auth_token: TOKEN },
    });
  });

  it("answers a body that is not JSON-RPC, or over 4 MiB, with a JSON-RPC error, and runs nothing", async () => {
    const post = (body: string) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = request(`${served.agentUrl}/a2a/jsonrpc`, {
          method: "POST",
          headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        });
        req.once("response", async (res) => {
          let text = "";
          for await (const chunk of res) text += chunk;
          resolve({ status: res.statusCode!, body: JSON.parse(text) });
        });
        // The server answers an oversized body before reading it all, then closes the connection.
        req.on("error", (error) => (req.writableFinished ? undefined : reject(error)));
        req.end(body);
      });
    expect(await post("{not json")).toMatchObject({ status: 200, body: { error: { code: -32700 } } });
    expect(await post("[1, 2]")).toMatchObject({ status: 200, body: { error: { code: -32700 } } });
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "message/send",
      params: { pad: "x".repeat(5 << 20) },
    });
    expect(await post(big)).toMatchObject({ status: 413, body: { error: { code: -32600 } } });
    expect(fake.requests).toHaveLength(0);
    expect(lines.filter((l) => l.startsWith("task "))).toEqual([]);
  });

  it("streams a turn to completion: codex runs a real command in the context's cwd, the reply ends the task", async () => {
    const cwd = join(root.path, "project");
    await mkdir(cwd);
    fake.script([
      // The command leaves a process behind: the task's end ends it.
      { kind: "shell", command: "echo made > made.txt && (sleep 300 > /dev/null 2>&1 &) && echo ran-it" },
      reply("completed", "Made made.txt."),
    ]);
    const items = await stream(userMessage("Make a file.", {}, { switchyard: { cwd, run_id: "run_1" } }));

    expect(readFileSync(join(cwd, "made.txt"), "utf8")).toBe("made\n");
    expect(items[0]).toMatchObject({ kind: "task", state: TaskState.TASK_STATE_WORKING });
    // Progress travels as text, with the event whole in the message's metadata; never as a data part,
    // which a client would take for the task's structured output.
    const commands = items.filter(
      (i) => (i.metadata?.event as { type?: string })?.type === "command_finished",
    );
    expect(commands).toHaveLength(1);
    expect(commands[0]!.metadata!.event).toMatchObject({ data: { exit_code: 0 } });
    expect(commands[0]!.text).toMatch(/^command_finished \{.*ran-it/);
    expect(items.flatMap((i) => i.data)).toEqual([]);
    expect(finalOf(items)).toMatchObject({
      kind: "statusUpdate",
      state: TaskState.TASK_STATE_COMPLETED,
      text: "Made made.txt.",
    });
    expect(finalOf(items).metadata?.usage).toMatchObject({ input_tokens: 200, output_tokens: 60 });
    // The JSON reply is not shown as a working message besides the final status.
    expect(items.filter((i) => i.text.startsWith('{"status"'))).toHaveLength(0);
    // Codex got the reply schema and the instructions explaining it.
    expect(JSON.stringify(fake.requests[0]!.body)).toContain("input_required");
    // The end line comes once the turn's processes, the one its command left behind included, are gone.
    await waitFor(() => /^task \S+ completed$/.test(lines.at(-1)!));
    expect(await pidsWithEnv(`CODEX_HOME=${home.path}`)).toEqual([]);
  });

  it("asks for input, resumes the same codex session on the answer and on a later task of the context", async () => {
    const cwd = join(root.path, "ctx");
    await mkdir(cwd);
    fake.script([
      reply("input_required", "Which name should I greet?"),
      reply("completed", "Hello, Ada."),
      reply("completed", "Goodbye, Ada."),
    ]);
    const first = await stream(userMessage("Greet someone.", {}, { cwd }));
    const asked = finalOf(first);
    expect(asked).toMatchObject({
      state: TaskState.TASK_STATE_INPUT_REQUIRED,
      text: "Which name should I greet?",
    });

    const answered = await stream(userMessage("Ada", { taskId: asked.taskId, contextId: asked.contextId }));
    expect(finalOf(answered)).toMatchObject({
      state: TaskState.TASK_STATE_COMPLETED,
      text: "Hello, Ada.",
      taskId: asked.taskId,
    });
    // The same thread: the answer's request carries the question codex asked before.
    expect(sentText(1)).toContain("Which name should I greet?");
    expect(sentText(1)).toContain("Ada");

    const later = await stream(userMessage("Now say goodbye.", { contextId: asked.contextId }));
    expect(finalOf(later)).toMatchObject({ state: TaskState.TASK_STATE_COMPLETED, text: "Goodbye, Ada." });
    expect(finalOf(later).taskId).not.toBe(asked.taskId);
    expect(sentText(2)).toContain("Hello, Ada.");

    // The context's cwd is fixed: another one is refused, and nothing reaches the model.
    const moved = await stream(
      userMessage("Work elsewhere.", { contextId: asked.contextId }, { cwd: root.path }),
    );
    expect(finalOf(moved)).toMatchObject({ state: TaskState.TASK_STATE_REJECTED });
    expect(finalOf(moved).text).toContain(`works in ${cwd}`);
    expect(fake.requests).toHaveLength(3);
  });

  it("answers a caller's own output_schema with its structured output as a data part", async () => {
    const schema = {
      type: "object",
      properties: { answer: { type: "number" } },
      required: ["answer"],
      additionalProperties: false,
    };
    fake.script([{ kind: "json", value: { answer: 42 } }]);
    const metadata = { switchyard: { output_schema: schema, profile: "Answer with numbers only." } };
    const items = await stream(userMessage("What is six times seven?", {}, metadata));

    expect(finalOf(items)).toMatchObject({
      state: TaskState.TASK_STATE_COMPLETED,
      text: '{"answer":42}',
      data: [{ answer: 42 }],
    });
    // codex was given the caller's schema and profile instead of the reply schema.
    const body = JSON.stringify(fake.requests[0]!.body);
    expect(body).toContain('"answer":{"type":"number"}');
    expect(body).not.toContain("input_required");
    expect(sentText(0)).toContain("Answer with numbers only.");
  });

  it("refuses a cwd outside the root, through a symlink, relative or not a string, before codex starts", async () => {
    await symlink(outside.path, join(root.path, "escape"));
    const cases: [unknown, RegExp][] = [
      [outside.path, /metadata\.cwd .* is outside roots/],
      [join(root.path, "escape"), /metadata\.cwd .* is outside roots/],
      ["relative/dir", /is not an absolute path/],
      [join(root.path, "missing"), /does not exist/],
      [42, /expected an absolute path as a string/],
    ];
    for (const [cwd, reason] of cases) {
      const items = await stream(userMessage("Work here.", {}, { cwd }));
      expect(finalOf(items)).toMatchObject({ kind: "task", state: TaskState.TASK_STATE_REJECTED });
      expect(finalOf(items).text).toMatch(reason);
    }
    expect(fake.requests).toHaveLength(0);
    expect(await pidsWithEnv(`CODEX_HOME=${home.path}`)).toEqual([]);
  });

  it("fails the task with the agent's error when the model refuses, and the context takes the next task", async () => {
    fake.script([
      { kind: "error", status: 400, message: "the fake refuses" },
      reply("completed", "Recovered."),
    ]);
    const failed = finalOf(await stream(userMessage("Try this.")));
    expect(failed).toMatchObject({ kind: "statusUpdate", state: TaskState.TASK_STATE_FAILED });
    expect(failed.text).toMatch(/^backend_failed: .*the fake refuses/);

    const next = await stream(userMessage("Try again.", { contextId: failed.contextId }));
    expect(finalOf(next)).toMatchObject({ state: TaskState.TASK_STATE_COMPLETED, text: "Recovered." });
  });

  it("cancels a running task: its command and codex are ended, then the task is canceled", async () => {
    fake.script([
      { kind: "shell", command: "timeout 120 tail -f /dev/null" },
      reply("completed", "Never sent."),
    ]);
    const items: ReturnType<typeof itemOf>[] = [];
    const streaming = (async () => {
      for await (const r of client.sendMessageStream({
        tenant: "",
        message: userMessage("Wait forever."),
        configuration: undefined,
        metadata: undefined,
      }))
        items.push(itemOf(r));
    })();
    await waitFor(async () =>
      (await Promise.all((await pidsWithEnv(`CODEX_HOME=${home.path}`)).map(commandLine))).some((c) =>
        c.startsWith("tail"),
      ),
    );
    const pids = await pidsWithEnv(`CODEX_HOME=${home.path}`);
    // The task event is sent before codex starts, but a loaded machine may deliver it later.
    await waitFor(() => items.length > 0);
    const taskId = items[0]!.taskId;
    // One task of a context at a time: another one meanwhile is refused.
    const busy = finalOf(await stream(userMessage("Me too.", { contextId: items[0]!.contextId })));
    expect(busy).toMatchObject({ state: TaskState.TASK_STATE_REJECTED });
    expect(busy.text).toBe(`context ${items[0]!.contextId} is busy with task ${taskId}`);

    const canceled = await client.cancelTask({ tenant: "", id: taskId, metadata: undefined });
    await streaming;

    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    for (const pid of pids) expect(await isLive(pid)).toBe(false);
    expect(finalOf(items).state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(items.filter((i) => i.state === TaskState.TASK_STATE_COMPLETED)).toHaveLength(0);
    // codex may still have asked the model once more as its command died, but nothing of it went out.
    expect(items.filter((i) => i.text.includes("Never sent."))).toEqual([]);
  });

  it("answers the A2A 0.3 wire (no A2A-Version header) through the SDK's compatibility layer", async () => {
    fake.script([reply("completed", "Answered over 0.3.")]);
    const res = await fetch(`${served.agentUrl}/a2a/jsonrpc`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "message/send",
        params: {
          message: {
            kind: "message",
            role: "user",
            messageId: randomUUID(),
            parts: [{ kind: "text", text: "Hi over 0.3." }],
          },
        },
      }),
    });
    const body: any = await res.json();
    expect(body).toMatchObject({
      jsonrpc: "2.0",
      id: 7,
      result: { kind: "task", status: { state: "completed" } },
    });
    expect(body.result.status.message.parts).toEqual([
      expect.objectContaining({ kind: "text", text: "Answered over 0.3." }),
    ]);
    expect(sentText(0)).toContain("Hi over 0.3.");
    expect(existsSync(root.path)).toBe(true);
  });
});
