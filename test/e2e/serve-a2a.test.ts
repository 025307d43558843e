// Switchyard (wrangler dev) → remote_a2a → `switchyard-runner serve-a2a` (a real process) → the real
// codex CLI, with only the model faked: the printed spawn_run payload pasted as it is, a real file
// written in the run's cwd, an input-required round trip through continue_run on the same codex
// session, completion, cancel_run ending codex, a cwd outside the served root refused, and no codex
// process left behind.
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { responseInput, startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { agentPids, makeAgentsEnv, type AgentsEnv } from "./support/agents-env.ts";
import { allEvents, callOk, connectHttp } from "./support/mcp-http.ts";
import { RunnerProcess } from "./support/runner-process.ts";
import { freePort, WranglerDev } from "./support/wrangler-dev.ts";

const MCP_TOKEN = "e2e-mcp";

let openai: FakeOpenAi;
let agents: AgentsEnv;
let dev: WranglerDev;
let served: RunnerProcess;
let client: Client;
let payload: { backend: string; cwd: string; backend_config: { agent_url: string; auth_token: string } };

beforeAll(async () => {
  openai = await startFakeOpenAi();
  // No Anthropic model here: serve-a2a runs codex only.
  agents = await makeAgentsEnv(openai.url, "http://127.0.0.1:9");
  const port = await freePort();
  served = new RunnerProcess({
    args: ["serve-a2a", "--agent", "codex", "--port", String(port), "--root", agents.root],
    env: agents.env,
  });
  const line = await served.printed(/^spawn_run /);
  payload = JSON.parse(line.slice("spawn_run ".length));
  // The edge reaches loopback only where the allow list says so: here, the served agent's port.
  dev = new WranglerDev({
    vars: { SWITCHYARD_TOKENS: `e2e=${MCP_TOKEN}`, SWITCHYARD_EDGE_ALLOW_HOSTS: `127.0.0.1:${port}` },
  });
  await dev.start();
  client = await connectHttp(dev.url, MCP_TOKEN);
});

afterAll(async () => {
  await client?.close();
  await served?.stop();
  await dev?.stop();
  for (const pid of agents ? await agentPids(agents.home) : []) process.kill(pid, "SIGKILL");
  await openai?.close();
});

type RunEvent = { seq: number; type: string; data: Record<string, any> };

/** Events of a run up to (and including) the first that `matches`, waiting for it. */
async function eventsUntil(runId: string, matches: (event: RunEvent) => boolean) {
  const events: RunEvent[] = [];
  for (let after = 0; !events.some(matches);) {
    const page = await callOk(client, "poll_events", { run_id: runId, after_seq: after, wait_ms: 20_000 });
    events.push(...page.events);
    after = page.next_after_seq;
    if (page.terminal && !events.some(matches))
      throw new Error(`run ${runId} ended before the event awaited: ${JSON.stringify(events)}`);
  }
  return events;
}

describe("serve-a2a behind Switchyard's remote_a2a backend (real codex, fake model)", () => {
  it("prints agent_url and a spawn_run payload for remote_a2a on the served root", () => {
    expect(served.lines).toContain(`agent_url ${payload.backend_config.agent_url}`);
    expect(payload).toMatchObject({ backend: "remote_a2a", cwd: agents.root });
    expect(payload.backend_config.auth_token).toMatch(/^sy_a2a_\S{32}$/);
  });

  it("runs to completion through an input-required round trip, in the run's cwd and one codex session", async () => {
    const cwd = join(agents.root, "greeter");
    await mkdir(cwd);
    openai.script([
      { kind: "shell", command: "echo drafted > note.txt" },
      { kind: "json", value: { status: "input_required", message: "Whom should the note greet?" } },
      { kind: "json", value: { status: "completed", message: "The note greets Ada." } },
    ]);
    const spawned = await callOk(client, "spawn_run", {
      ...payload,
      cwd,
      prompt: "Draft note.txt, then ask me whom it greets.",
    });

    const asked = await eventsUntil(spawned.run_id, (e) => e.type === "input_required");
    expect(asked.find((e) => e.type === "input_required")!.data.message).toBe("Whom should the note greet?");
    expect((await callOk(client, "get_run", { run_id: spawned.run_id })).status).toBe("input_required");
    expect(readFileSync(join(cwd, "note.txt"), "utf8")).toBe("drafted\n");
    // codex's command reached Switchyard as it happened.
    expect(JSON.stringify(asked)).toContain("echo drafted > note.txt");

    const continued = await callOk(client, "continue_run", { run_id: spawned.run_id, prompt: "Greet Ada." });
    const events = await allEvents(client, continued.run_id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const run = await callOk(client, "get_run", { run_id: continued.run_id });
    expect(run).toMatchObject({ status: "completed", result: { final_response: "The note greets Ada." } });
    expect(run.result.structured_output).toBeUndefined();

    // The answer went to the same codex thread: the model saw its own question with it.
    const answer = JSON.stringify(responseInput(openai.requests.at(-1)!));
    expect(answer).toContain("Whom should the note greet?");
    expect(answer).toContain("Greet Ada.");
    expect(openai.requests.filter((r) => r.scripted)).toHaveLength(3);
    await served.printed(/^task \S+ completed$/);
    expect(served.lines.filter((l) => / input_required$/.test(l))).toHaveLength(1);
    expect(await agentPids(agents.home)).toEqual([]);
  });

  it("cancel_run cancels the served task: codex and its command are ended, the run is cancelled", async () => {
    openai.script([
      { kind: "shell", command: "timeout 120 tail -f /dev/null" },
      { kind: "json", value: { status: "completed", message: "Never sent." } },
    ]);
    const spawned = await callOk(client, "spawn_run", { ...payload, prompt: "Wait for a long time." });
    // serve-a2a's progress lines arrive as agent messages.
    await eventsUntil(
      spawned.run_id,
      (e) => e.type === "agent_message" && /^command_started /.test(e.data.text),
    );
    expect(await agentPids(agents.home)).not.toEqual([]);

    await callOk(client, "cancel_run", { run_id: spawned.run_id });
    await allEvents(client, spawned.run_id);
    expect((await callOk(client, "get_run", { run_id: spawned.run_id })).status).toBe("cancelled");
    await served.printed(/^task \S+ canceled$/);
    expect(await agentPids(agents.home)).toEqual([]);
  });

  it("refuses a run whose cwd lies outside the served root, without starting codex", async () => {
    const before = openai.requests.length;
    const spawned = await callOk(client, "spawn_run", { ...payload, cwd: "/tmp", prompt: "Work in /tmp." });
    await allEvents(client, spawned.run_id);
    const run = await callOk(client, "get_run", { run_id: spawned.run_id });
    expect(run.status).toBe("rejected");
    expect(JSON.stringify(run)).toContain("metadata.cwd /tmp is outside roots");
    expect(openai.requests.length).toBe(before);
  });
});
