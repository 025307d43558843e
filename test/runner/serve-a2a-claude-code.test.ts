// `serve-a2a --agent claude_code` driven by the @a2a-js/sdk client, with the real Claude Code
// executable and only the model faked (fake-anthropic.ts): a real Bash command in the context's cwd,
// input-required through StructuredOutput, the answer resuming the same Claude Code session, and no
// process of the turn left once the task's end line is printed.
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClaudeCodeAgent } from "../../runner/agents/claude-code.ts";
import { startServeA2a, type ServeA2aHandle } from "../../runner/serve-a2a/serve.ts";
import { requestMessages, startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import { killProcessesWithEnv, makeTempDir, pidsWithEnv, waitFor } from "./support/agent-harness.ts";
import { connect, finalOf, stream, userMessage } from "./support/a2a-client.ts";

const TOKEN = "serve-a2a-claude-token-0123";

let fake: FakeAnthropic;
let home: Awaited<ReturnType<typeof makeTempDir>>;
let root: Awaited<ReturnType<typeof makeTempDir>>;
let served: ServeA2aHandle;
let lines: string[];
let client: Client;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  [home, root] = await Promise.all([makeTempDir("serve-claude-home"), makeTempDir("serve-claude-root")]);
  lines = [];
  const env = {
    PATH: process.env.PATH,
    HOME: home.path,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: "fake-key",
  };
  served = await startServeA2a(
    { agent: "claude_code", host: "127.0.0.1", port: 0, roots: [root.path], token: TOKEN },
    { agentOf: (marker) => createClaudeCodeAgent({ env, marker }), log: (line) => lines.push(line) },
  );
  client = await connect(served.agentUrl, TOKEN);
});

afterEach(async () => {
  await served.close();
  await killProcessesWithEnv(`HOME=${home.path}`);
  await fake.close();
  await Promise.all([home.remove(), root.remove()]);
});

const turnText = (index: number) =>
  JSON.stringify(requestMessages(fake.requests.filter((r) => r.scripted)[index]!));

describe("serve-a2a (real Claude Code, fake model, a2a-js client)", () => {
  it("asks for input after a real command in cwd, and the answer resumes the same session", async () => {
    const cwd = join(root.path, "claude-ctx");
    await mkdir(cwd);
    fake.script([
      { kind: "shell", command: "echo from-claude > note.txt" },
      { kind: "json", value: { status: "input_required", message: "Which colour?" } },
      { kind: "json", value: { status: "completed", message: "Blue it is." } },
    ]);
    const first = await stream(client, userMessage("Write a note, then ask me a colour.", {}, { cwd }));
    const asked = finalOf(first);
    expect(asked).toMatchObject({ state: TaskState.TASK_STATE_INPUT_REQUIRED, text: "Which colour?" });
    expect(readFileSync(join(cwd, "note.txt"), "utf8")).toBe("from-claude\n");
    // Claude Code was given the reply schema as its StructuredOutput tool.
    expect(JSON.stringify(fake.requests.find((r) => r.scripted)!.body)).toContain("input_required");

    const answered = await stream(
      client,
      userMessage("Blue", { taskId: asked.taskId, contextId: asked.contextId }),
    );
    expect(finalOf(answered)).toMatchObject({ state: TaskState.TASK_STATE_COMPLETED, text: "Blue it is." });
    for (const earlier of ["Write a note, then ask me a colour.", "Blue"])
      expect(turnText(2)).toContain(earlier);

    await waitFor(() => lines.filter((l) => /^task \S+ (input_required|completed)$/.test(l)).length === 2);
    expect(await pidsWithEnv(`HOME=${home.path}`)).toEqual([]);
  });
});
