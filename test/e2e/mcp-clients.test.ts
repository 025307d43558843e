// The README's "Use it from your agent" set-ups, run as written in the real Claude Code and codex
// programs against `wrangler dev`, with only the model faked: each client connects with the static
// token, its model's tool call really runs in Switchyard, and a wrong or missing token fails as the
// README says.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestMessages, startFakeAnthropic } from "../fixtures/fake-anthropic.ts";
import type { RecordedRequest } from "../fixtures/fake-model-server.ts";
import {
  codexConfigToml,
  responseInput,
  startFakeOpenAi,
  type OpenAiTurn,
} from "../fixtures/fake-openai-responses.ts";
import { CLAUDE, CODEX, README_MCP_URL, jsonLines, readmeBlock, runProgram } from "./support/agent-clis.ts";
import { callOk, connectHttp } from "./support/mcp-http.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const TOKEN = "clients-token-acme";

let dev: WranglerDev;
let client: Client;
/** Temp root of every HOME and CODEX_HOME here; its name does not contain "switchyard". */
let base: string;
/** Holds `claude`, so the README's shell lines run as written. */
let bin: string;
/** A run stored before any client starts: a tool answer naming it came from this Switchyard. */
let seededRun: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "mcp-clients-"));
  bin = join(base, "bin");
  await mkdir(bin);
  await symlink(CLAUDE, join(bin, "claude"));
  dev = new WranglerDev({ vars: { SWITCHYARD_TOKENS: `acme=${TOKEN}` } });
  await dev.start();
  client = await connectHttp(dev.url, TOKEN);
  const seeded = await callOk(client, "spawn_run", {
    backend: "codex",
    prompt: "seeded before the clients",
    cwd: "/tmp/mcp-clients-seed",
  });
  seededRun = seeded.run_id as string;
});

afterAll(async () => {
  await client?.close();
  await dev?.stop();
  if (base) await rm(base, { recursive: true, force: true });
});

const withDevUrl = (text: string) => text.replaceAll(README_MCP_URL, `${dev.url}/mcp`);

const runIds = async () =>
  ((await callOk(client, "list_runs", { limit: 100 })).runs as { run_id: string }[]).map((r) => r.run_id);

describe("Claude Code with the README's set-up", () => {
  const STATIC_TOKEN = "Claude Code, with a static token:";
  const OAUTH = "Claude Code, with OAuth";

  /** A fresh HOME and project where the README's `claude mcp add` line has run (exit 0). */
  async function claudeAdded(heading: string, token?: string) {
    const dir = await mkdtemp(join(base, "claude-"));
    const home = join(dir, "home");
    const cwd = join(dir, "work");
    await Promise.all([mkdir(home), mkdir(cwd)]);
    const env: Record<string, string> = {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: home,
      ...(token === undefined ? {} : { SWITCHYARD_TOKEN: token }),
    };
    const added = await runProgram("bash", ["-c", withDevUrl(readmeBlock(heading, "sh"))], { cwd, env });
    expect(added.code, added.stderr).toBe(0);
    return { cwd, env };
  }

  const mcpList = async (at: { cwd: string; env: Record<string, string> }) =>
    (await runProgram(CLAUDE, ["mcp", "list"], at)).stdout;

  it("connects with the static token: `claude mcp list` says ✔ Connected", async () => {
    const at = await claudeAdded(STATIC_TOKEN, TOKEN);
    expect(await mcpList(at)).toContain(`switchyard: ${dev.url}/mcp (HTTP) - ✔ Connected`);
  });

  it("with a wrong token `claude mcp list` shows the 401 and does not connect", async () => {
    const listed = await mcpList(await claudeAdded(STATIC_TOKEN, "not-the-token"));
    expect(listed).toContain(`switchyard: ${dev.url}/mcp (HTTP) - ✘ Failed to connect`);
    expect(listed).toContain("Server rejected the configured Authorization header (HTTP 401)");
    expect(listed).not.toContain("✔ Connected");
  });

  it("without a header (the OAuth line) `claude mcp list` says ! Needs authentication", async () => {
    const listed = await mcpList(await claudeAdded(OAUTH));
    expect(listed).toContain(`switchyard: ${dev.url}/mcp (HTTP) - ! Needs authentication`);
    expect(listed).not.toContain("✔ Connected");
  });

  it("a headless turn finds list_runs through ToolSearch and gets Switchyard's answer", async () => {
    const at = await claudeAdded(STATIC_TOKEN, TOKEN);
    const fake = await startFakeAnthropic();
    fake.script([
      {
        kind: "tool",
        name: "ToolSearch",
        input: { query: "select:mcp__switchyard__list_runs", max_results: 5 },
      },
      { kind: "tool", name: "mcp__switchyard__list_runs", input: {} },
      { kind: "text", text: "Listed." },
    ]);
    const args = ["-p", "List my runs", "--output-format", "stream-json", "--verbose"];
    const turn = await runProgram(CLAUDE, [...args, "--allowedTools", "mcp__switchyard__list_runs"], {
      cwd: at.cwd,
      env: { ...at.env, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: "fake-key" },
    }).finally(() => fake.close());

    const events = jsonLines(turn.stdout);
    expect(events.find((e) => e.type === "system" && e.subtype === "init")?.mcp_servers).toEqual([
      { name: "switchyard", status: "connected", source: "local" },
    ]);
    expect(events.at(-1), turn.stderr).toMatchObject({ type: "result", subtype: "success" });
    const turns = fake.requests.filter((r) => r.scripted);
    expect(turns).toHaveLength(3);
    // MCP tools are deferred: the first request offers ToolSearch, not the tool itself.
    expect(toolNames(turns[0]!)).toContain("ToolSearch");
    expect(toolNames(turns[0]!)).not.toContain("mcp__switchyard__list_runs");
    expect(toolNames(turns[1]!)).toContain("mcp__switchyard__list_runs");
    const results = requestMessages(turns[2]!).flatMap((m) => blocksOf(m, "tool_result"));
    const listed = results.find((b) => b.tool_use_id === "toolu_2");
    expect(listed, JSON.stringify(results)).toBeDefined();
    const answer = JSON.parse(resultText(listed!.content)) as { runs: { run_id: string }[] };
    expect(answer.runs.map((r) => r.run_id)).toContain(seededRun);
  });
});

describe("codex with the README's config.toml", () => {
  const CODEX_BLOCK = "Codex (`~/.codex/config.toml`";
  const readmeToml = () => readmeBlock(CODEX_BLOCK, "toml");
  /** The README's block without its per-tool approval tables. */
  const serverOnly = () => readmeToml().slice(0, readmeToml().indexOf("[mcp_servers.switchyard.tools."));

  /** One `codex exec --json` turn with the fake provider plus `mcpToml`; token in SWITCHYARD_TOKEN. */
  async function codexTurn(mcpToml: string, turns: OpenAiTurn[], token?: string) {
    const fake = await startFakeOpenAi();
    fake.script(turns);
    const home = await mkdtemp(join(base, "codex-"));
    const cwd = join(home, "work");
    await mkdir(cwd);
    const config = `${codexConfigToml(fake.url, "FAKE_OPENAI_KEY")}\n${withDevUrl(mcpToml)}`;
    await writeFile(join(home, "config.toml"), config);
    const env: Record<string, string> = {
      PATH: process.env.PATH!,
      HOME: home,
      CODEX_HOME: home,
      FAKE_OPENAI_KEY: "fake-key",
      ...(token === undefined ? {} : { SWITCHYARD_TOKEN: token }),
    };
    const args = [CODEX, "exec", "--json", "--skip-git-repo-check", "List my runs"];
    const result = await runProgram(process.execPath, args, { cwd, env }).finally(() => fake.close());
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.at(-1)?.type, result.stdout).toBe("turn.completed");
    return { ...result, events, requests: fake.requests, home, env };
  }

  const listRuns: OpenAiTurn = {
    kind: "call",
    name: "list_runs",
    namespace: "mcp__switchyard",
    arguments: {},
  };
  const spawnRun: OpenAiTurn = {
    kind: "call",
    name: "spawn_run",
    namespace: "mcp__switchyard",
    arguments: { backend: "codex", prompt: "spawned by codex", cwd: "/tmp/mcp-clients-codex" },
  };
  const done: OpenAiTurn = { kind: "text", text: "Done." };

  it("offers the tools as the namespace mcp__switchyard; a read tool runs without approval", async () => {
    const turn = await codexTurn(readmeToml(), [listRuns, done], TOKEN);

    expect(turn.requests).toHaveLength(2);
    expect(switchyardTools(turn.requests[0]!)).toEqual(
      expect.arrayContaining(["list_runs", "get_run", "spawn_run", "cancel_run"]),
    );
    expect(mcpCalls(turn.events)).toMatchObject([
      { server: "switchyard", tool: "list_runs", status: "completed" },
    ]);
    const output = callOutput(turn.requests[1]!, "call_1");
    expect(output).toContain('"runs":[');
    expect(output).toContain(seededRun);
  });

  it("spawn_run runs with the README's per-tool approval_mode lines: the run is stored", async () => {
    const before = await runIds();
    const turn = await codexTurn(readmeToml(), [spawnRun, done], TOKEN);

    expect(mcpCalls(turn.events)).toMatchObject([{ tool: "spawn_run", status: "completed", error: null }]);
    const spawned = /"run_id":"(run_[0-9a-z]+)"/.exec(callOutput(turn.requests[1]!, "call_1"))?.[1];
    expect(spawned).toBeDefined();
    const after = await runIds();
    expect(after.filter((id) => !before.includes(id))).toEqual([spawned]);
    const run = await callOk(client, "get_run", { run_id: spawned });
    expect(run).toMatchObject({ run_id: spawned, backend: "codex" });
  });

  it("without the approval_mode lines codex refuses spawn_run and nothing is stored", async () => {
    const before = await runIds();
    const turn = await codexTurn(serverOnly(), [spawnRun, done], TOKEN);

    const refusal = "MCP tool call requires approval, but approval policy is never";
    expect(mcpCalls(turn.events)).toMatchObject([
      { tool: "spawn_run", status: "failed", error: { message: refusal } },
    ]);
    expect(callOutput(turn.requests[1]!, "call_1")).toContain(refusal);
    expect(await runIds()).toEqual(before);
  });

  it("with SWITCHYARD_TOKEN unset the server is left out without a message", async () => {
    const turn = await codexTurn(readmeToml(), [done]);

    expect(turn.requests).toHaveLength(1);
    expect(switchyardTools(turn.requests[0]!)).toEqual([]);
    expect(mentionsSwitchyard(turn.requests[0]!), "the model request mentions switchyard").toBe(false);
    expect(turn.stdout + turn.stderr).not.toMatch(/switchyard/i);
    // `codex mcp list` still shows it.
    const listed = await runProgram(process.execPath, [CODEX, "mcp", "list"], {
      cwd: turn.home,
      env: turn.env,
    });
    expect(listed.stdout).toMatch(/^switchyard\s+\S+\/mcp\s+SWITCHYARD_TOKEN\s+enabled\s+Bearer token/m);
  });

  it("with a wrong token the server is left out; only stderr logs the 401", async () => {
    const turn = await codexTurn(readmeToml(), [done], "not-the-token");

    expect(turn.requests).toHaveLength(1);
    expect(switchyardTools(turn.requests[0]!)).toEqual([]);
    expect(mentionsSwitchyard(turn.requests[0]!), "the model request mentions switchyard").toBe(false);
    expect(turn.stdout).not.toMatch(/switchyard/i);
    expect(turn.stderr).toContain("AuthRequired");
    expect(turn.stderr).toContain("invalid_token");
  });
});

function toolNames(request: RecordedRequest): string[] {
  return toolsOf(request).map((t) => String(t.name));
}

function toolsOf(request: RecordedRequest): Record<string, any>[] {
  return ((request.body as { tools?: Record<string, any>[] }).tools ?? []).filter(Boolean);
}

/** Names inside the `mcp__switchyard` namespace codex offers its model. */
function switchyardTools(request: RecordedRequest): string[] {
  const namespace = toolsOf(request).find((t) => t.type === "namespace" && t.name === "mcp__switchyard");
  return ((namespace?.tools ?? []) as { name: string }[]).map((t) => t.name);
}

/** Anything of Switchyard's in a model request: a tool, a namespace, an instruction naming it. */
function mentionsSwitchyard(request: RecordedRequest): boolean {
  return /switchyard/i.test(JSON.stringify(request.body));
}

function blocksOf(message: unknown, type: string): Record<string, any>[] {
  const content = (message as { content?: unknown }).content;
  return Array.isArray(content) ? content.filter((b: Record<string, any>) => b.type === type) : [];
}

/** A tool result's text, whether sent as a string or as text blocks. */
function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  return (content as { type: string; text?: string }[]).map((b) => b.text ?? "").join("");
}

/** What codex sent back to the model for one function call. */
function callOutput(request: RecordedRequest, callId: string): string {
  const item = responseInput(request).find(
    (i) =>
      (i as Record<string, unknown>).type === "function_call_output" &&
      (i as Record<string, unknown>).call_id === callId,
  ) as { output: unknown } | undefined;
  if (!item)
    throw new Error(`no function_call_output for ${callId}: ${JSON.stringify(responseInput(request))}`);
  return resultText(item.output);
}

/** The finished MCP tool calls of a `codex exec --json` turn. */
function mcpCalls(events: Record<string, any>[]): Record<string, any>[] {
  return events
    .filter((e) => e.type === "item.completed" && e.item.type === "mcp_tool_call")
    .map((e) => e.item);
}
