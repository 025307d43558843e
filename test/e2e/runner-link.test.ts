// The runner link end to end: queueing until a runner connects, placement across two runners and
// by their roots, a name held by a connected runner, refusals, a link cut by a TCP proxy mid-run (every event exactly once), a killed runner
// (runner_lost after the grace period), and openai_compatible on a loopback endpoint via a runner.
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCutProxy, type CutProxy } from "../fixtures/cut-proxy.ts";
import { startFakeOpenAiChat, type FakeOpenAiChat } from "../fixtures/fake-openai-chat.ts";
import { startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { agentPids, makeAgentsEnv, type AgentsEnv } from "./support/agents-env.ts";
import { allEvents, callOk, connectHttp } from "./support/mcp-http.ts";
import { RunnerProcess } from "./support/runner-process.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const MCP_TOKEN = "link-mcp";
const RUNNER_TOKEN = "link-runner";
const GRACE_S = 3;

let openai: FakeOpenAi;
let chat: FakeOpenAiChat;
let agents: AgentsEnv;
let dev: WranglerDev;
let proxy: CutProxy;
let client: Client;
const runners: RunnerProcess[] = [];

/** A runner process dialling through the cut proxy. */
async function startRunner(name: string, extra: { labels?: Record<string, string>; maxRuns?: number } = {}) {
  const runner = new RunnerProcess({
    url: proxy.url,
    token: RUNNER_TOKEN,
    name,
    roots: [agents.root],
    env: agents.env,
    ...extra,
  });
  runners.push(runner);
  await runner.printed("connected");
  return runner;
}

async function workDir(name: string): Promise<string> {
  const dir = join(agents.root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A directory next to the runners' root, so outside it. */
async function besideRoot(name: string): Promise<string> {
  const dir = join(dirname(agents.root), name);
  await mkdir(dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  [openai, chat] = await Promise.all([startFakeOpenAi(), startFakeOpenAiChat()]);
  agents = await makeAgentsEnv(openai.url, "http://127.0.0.1:9");
  // No SWITCHYARD_EDGE_ALLOW_HOSTS: the edge refuses loopback, so local endpoints need a runner.
  dev = new WranglerDev({
    vars: {
      SWITCHYARD_TOKENS: `e2e=${MCP_TOKEN}`,
      SWITCHYARD_RUNNER_TOKENS: `e2e=${RUNNER_TOKEN}`,
      SWITCHYARD_RUNNER_GRACE_S: String(GRACE_S),
    },
  });
  await dev.start();
  proxy = await startCutProxy(dev.port);
  client = await connectHttp(dev.url, MCP_TOKEN);
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  for (const pid of await agentPids(agents.home)) process.kill(pid, "SIGKILL");
});

afterAll(async () => {
  await client?.close();
  await proxy?.close();
  await dev?.stop();
  await Promise.all([openai?.close(), chat?.close()]);
});

const runnerOf = async (runId: string) =>
  (await callOk(client, "get_run", { run_id: runId })).remote_ref.runner;

describe("runner link", () => {
  it("a run spawned before any runner is connected stays queued, then starts when one connects", async () => {
    openai.script([{ kind: "text", text: "finally" }]);
    const spawned = await callOk(client, "spawn_run", {
      backend: "codex",
      prompt: "hi",
      cwd: await workDir("queued"),
    });
    const queued = await callOk(client, "get_run", { run_id: spawned.run_id });
    expect(queued.status).toBe("queued");
    expect(queued.status_reason).toMatch(/none is connected/);
    await startRunner("late");
    await allEvents(client, spawned.run_id);
    expect(await callOk(client, "get_run", { run_id: spawned.run_id })).toMatchObject({
      status: "completed",
      result: { final_response: "finally" },
    });
  });

  it("two runners: runs go to the one named or labelled, and spread by free slots otherwise", async () => {
    await startRunner("alpha", { labels: { team: "red" }, maxRuns: 1 });
    await startRunner("beta", { maxRuns: 2 });
    const cwd = await workDir("placement");
    const scriptedBefore = openai.requests.filter((r) => r.scripted).length;
    // Turns held open so the three placed runs keep their slots while we look (the fourth waits).
    openai.script(
      Array.from({ length: 3 }, () => ({ kind: "text" as const, text: "held", delayMs: 120_000 })),
    );
    const named = await callOk(client, "spawn_run", {
      backend: "codex",
      prompt: "a",
      cwd,
      backend_config: { runner: "beta" },
    });
    const labelled = await callOk(client, "spawn_run", {
      backend: "codex",
      prompt: "b",
      cwd,
      backend_config: { runner_labels: { team: "red" } },
    });
    expect(await runnerOf(named.run_id)).toBe("beta");
    expect(await runnerOf(labelled.run_id)).toBe("alpha");
    // alpha is full (1 slot); beta has one left: the next run goes there, the one after waits.
    const spread = await callOk(client, "spawn_run", { backend: "codex", prompt: "c", cwd });
    expect(await runnerOf(spread.run_id)).toBe("beta");
    const waiting = await callOk(client, "spawn_run", { backend: "codex", prompt: "d", cwd });
    expect(await callOk(client, "get_run", { run_id: waiting.run_id })).toMatchObject({ status: "queued" });
    // Each placed run's codex has taken its held turn before we cancel (none is left for later tests).
    while (openai.requests.filter((r) => r.scripted).length < scriptedBefore + 3)
      await new Promise((r) => setTimeout(r, 50));
    for (const r of [named, labelled, spread, waiting])
      await callOk(client, "cancel_run", { run_id: r.run_id });
  });

  it("a run whose cwd no runner's --root contains waits queued, then runs on a runner connecting with one", async () => {
    await startRunner("narrow");
    const elsewhere = await besideRoot("elsewhere");
    openai.script([{ kind: "text", text: "from the wide runner" }]);
    const spawned = await callOk(client, "spawn_run", { backend: "codex", prompt: "x", cwd: elsewhere });
    const queued = await callOk(client, "get_run", { run_id: spawned.run_id });
    expect(queued.status).toBe("queued");
    expect(queued.status_reason).toContain(`cwd ${elsewhere}: no connected runner has one`);

    const wide = new RunnerProcess({
      url: proxy.url,
      token: RUNNER_TOKEN,
      name: "wide",
      roots: [elsewhere],
      env: agents.env,
    });
    runners.push(wide);
    await allEvents(client, spawned.run_id);
    expect(await callOk(client, "get_run", { run_id: spawned.run_id })).toMatchObject({
      status: "completed",
      result: { final_response: "from the wide runner" },
      remote_ref: { runner: "wide" },
    });
    await wide.printed(`run ${spawned.run_id} started (codex in ${elsewhere})`);
    expect(runners[0]!.lines.filter((l) => l.includes(spawned.run_id))).toEqual([]);
  });

  it("the runner still refuses what only looks inside its roots (a symlink out), and tokens of the wrong kind", async () => {
    await startRunner("strict");
    const outside = await besideRoot("outside");
    await symlink(outside, join(agents.root, "escape"));
    const escaping = await callOk(client, "spawn_run", {
      backend: "codex",
      prompt: "x",
      cwd: join(agents.root, "escape"),
    });
    await allEvents(client, escaping.run_id);
    const refused = await callOk(client, "get_run", { run_id: escaping.run_id });
    expect(refused.status).toBe("failed");
    expect(refused.error.code).toBe("runner_refused:cwd_outside_roots");

    const impostor = new RunnerProcess({
      url: dev.url,
      token: MCP_TOKEN,
      name: "impostor",
      roots: [agents.root],
      env: agents.env,
    });
    expect(await impostor.exited).toBe(1);
    expect(impostor.lines.join("\n")).toMatch(/refused the runner token/);
    await expect(connectHttp(dev.url, RUNNER_TOKEN)).rejects.toThrow();
  });

  it("a second runner under a connected runner's name exits at once; one started with --replace takes it", async () => {
    const holder = await startRunner("twin");
    const twin = new RunnerProcess({
      url: dev.url,
      token: RUNNER_TOKEN,
      name: "twin",
      roots: [agents.root],
      env: agents.env,
    });
    runners.push(twin);
    expect(await twin.exited).toBe(1);
    expect(twin.lines.join("\n")).toContain(
      "stopping: another runner with this name is connected; pick another --name, or connect --replace to take over (close 4423",
    );
    expect(holder.lines.some((l) => l.startsWith("stopping"))).toBe(false);

    const taker = new RunnerProcess({
      url: dev.url,
      token: RUNNER_TOKEN,
      name: "twin",
      roots: [agents.root],
      env: agents.env,
      replace: true,
    });
    runners.push(taker);
    await taker.printed("connected");
    expect(await holder.exited).toBe(1);
    expect(holder.lines.join("\n")).toContain(
      "stopping: another runner took this name with --replace (close 4409",
    );
  });

  it("a link cut mid-run by the proxy: the runner reconnects and the log has every event exactly once", async () => {
    const runner = await startRunner("cut");
    const cwd = await workDir("cut");
    openai.script([
      ...[1, 2, 3, 4].map((i) => ({ kind: "shell" as const, command: `echo step-${i}`, delayMs: 400 })),
      { kind: "text", text: "all steps done", delayMs: 400 },
    ]);
    const spawned = await callOk(client, "spawn_run", { backend: "codex", prompt: "four steps", cwd });
    const acceptedBefore = proxy.accepted;
    for (let cut = 0; cut < 3; cut++) {
      await new Promise((r) => setTimeout(r, 500));
      proxy.cut();
    }
    const events = await allEvents(client, spawned.run_id);
    const ended = await callOk(client, "get_run", { run_id: spawned.run_id });
    expect(ended.status, JSON.stringify({ error: ended.error, lines: runner.lines })).toBe("completed");
    const line = await runner.printed(new RegExp(`run ${spawned.run_id} completed \\((\\d+) events\\)`));
    expect(proxy.accepted).toBeGreaterThan(acceptedBefore);
    expect(runner.lines.some((l) => l.startsWith("link lost"))).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const produced = events.filter((e) => e.type !== "status_changed");
    expect(produced).toHaveLength(Number(/\((\d+) events\)/.exec(line)![1]));
    const outputs = events
      .filter((e) => e.type === "command_finished")
      .map((e) => String(e.data.output).trim());
    expect(outputs).toEqual(["step-1", "step-2", "step-3", "step-4"]);
    expect((await callOk(client, "get_run", { run_id: spawned.run_id })).result.final_response).toBe(
      "all steps done",
    );
  });

  it("a runner killed mid-run: after the grace period the run fails with runner_lost", async () => {
    const runner = await startRunner("doomed");
    openai.script([{ kind: "text", text: "never", delayMs: 120_000 }]);
    const spawned = await callOk(client, "spawn_run", {
      backend: "codex",
      prompt: "x",
      cwd: await workDir("doomed"),
      backend_config: { runner: "doomed" },
    });
    await runner.printed(`run ${spawned.run_id} started`);
    await runner.kill();
    const ended = await callOk(client, "wait_runs", {
      run_ids: [spawned.run_id],
      mode: "all",
      wait_ms: (GRACE_S + 20) * 1000,
    });
    expect(ended.done).toBe(true);
    const lost = await callOk(client, "get_run", { run_id: spawned.run_id });
    expect(lost.status).toBe("failed");
    expect(lost.error.code).toBe("runner_lost");
  });

  it("list_available_backends follows the runners really connected", async () => {
    const state = async (backend: string) =>
      (await callOk(client, "list_available_backends", {})).backends.find(
        (b: { backend: string }) => b.backend === backend,
      );
    expect((await state("remote_a2a")).availability_state).toBe("available");
    expect((await state("codex")).availability_state).toBe("unavailable");
    // A runner whose machine has no agent executables (paths that do not exist).
    const bare = new RunnerProcess({
      url: proxy.url,
      token: RUNNER_TOKEN,
      name: "bare",
      roots: [agents.root],
      env: {
        ...agents.env,
        SWITCHYARD_CODEX_PATH: "/nonexistent/codex",
        SWITCHYARD_CLAUDE_PATH: "/nonexistent/claude",
      },
    });
    runners.push(bare);
    await bare.printed("connected");
    expect((await state("codex")).availability_state).toBe("declared_not_installed");
    expect((await state("claude_code")).runners).toEqual([
      expect.objectContaining({ runner: "bare", installed: false }),
    ]);
    await startRunner("equipped");
    const codex = await state("codex");
    expect(codex.availability_state).toBe("available");
    expect(codex.runners.find((r: { runner: string }) => r.runner === "equipped")).toMatchObject({
      installed: true,
      free_slots: 4,
    });
  });

  it("openai_compatible on a loopback endpoint runs through a runner, across a multi-turn session", async () => {
    await startRunner("local-models");
    const model = "llama-local";
    chat.script([{ text: "four" }, { text: "eight" }], model);
    const first = await callOk(client, "spawn_run", {
      backend: "local-model-openai",
      prompt: "2+2?",
      backend_config: { base_url: `${chat.url}/v1`, model },
    });
    await allEvents(client, first.run_id);
    const run = await callOk(client, "get_run", { run_id: first.run_id });
    expect(run).toMatchObject({ status: "completed", result: { final_response: "four" } });
    expect(run.remote_ref.runner).toBe("local-models");
    const next = await callOk(client, "continue_run", { run_id: first.run_id, prompt: "doubled?" });
    await allEvents(client, next.run_id);
    expect((await callOk(client, "get_run", { run_id: next.run_id })).result.final_response).toBe("eight");
    const messages = chat.requests(model).at(-1)!.body as { messages: unknown[] };
    expect(messages.messages).toEqual([
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "four" },
      { role: "user", content: "doubled?" },
    ]);
  });
});
