// Every way a run ends on the runner, with the real codex CLI and Claude Code (only the model faked):
// completed, failed, cancelled mid-turn, refused, cancelled by the Worker after a reconnect, and the
// runner stopping. Each time the end line is printed and no agent process is left: counted by pid,
// as the runner's descendants and as any process carrying the agent's environment (what the agent
// detached from its parent too).
import { realpathSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClaudeCodeAgent } from "../../runner/agents/claude-code.ts";
import { createCodexAgent } from "../../runner/agents/codex.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import type { TurnOptions } from "../fixtures/fake-model-server.ts";
import { codexConfigToml, startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { agentsUnder } from "../fixtures/process-tree.ts";
import { killProcessesWithEnv, makeTempDir, pidsWithEnv, waitFor } from "./support/agent-harness.ts";
import { FakeHub } from "./support/fake-hub.ts";
import { dispatch, runnerFor, type TestRunner } from "./support/runner.ts";

let hub: FakeHub;
let openai: FakeOpenAi;
let anthropic: FakeAnthropic;
let home: Awaited<ReturnType<typeof makeTempDir>>;
let root: string;
let runner: TestRunner;
/** Set by the test that stops the runner itself. */
let stopped = false;

beforeEach(async () => {
  [hub, openai, anthropic] = await Promise.all([FakeHub.start(), startFakeOpenAi(), startFakeAnthropic()]);
  home = await makeTempDir("endings-home");
  root = realpathSync(home.path);
  await mkdir(join(root, "codex-home"));
  await writeFile(join(root, "codex-home", "config.toml"), codexConfigToml(openai.url, "FAKE_OPENAI_KEY"));
  const env = {
    PATH: process.env.PATH,
    HOME: root,
    CODEX_HOME: join(root, "codex-home"),
    FAKE_OPENAI_KEY: "fake-key",
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_API_KEY: "fake-key",
  };
  runner = await runnerFor(
    hub,
    { name: "endings", labels: {}, roots: [root], maxRuns: 4 },
    {
      agents: {
        codex: (marker) => createCodexAgent({ env, marker }),
        claude_code: (marker) => createClaudeCodeAgent({ env, marker }),
      },
      probe: async () => [
        { backend: "codex", installed: true, credentials: "configured" },
        { backend: "claude_code", installed: true, credentials: "configured" },
      ],
    },
  );
  stopped = false;
  await printed("connected");
});

afterEach(async () => {
  if (!stopped) await runner.handle.stop();
  await killProcessesWithEnv(`HOME=${root}`);
  await Promise.all([hub.stop(), openai.close(), anthropic.close()]);
  await home.remove();
});

const printed = (text: string, timeoutMs = 30_000) => runner.printed(text, timeoutMs);

/** Agent processes of this test: descendants of the runner (this process), and whatever carries their HOME. */
async function agentProcesses(): Promise<number[]> {
  const detached = await pidsWithEnv(`HOME=${root}`);
  return [...new Set([...(await agentsUnder(process.pid, `HOME=${root}`)), ...detached])];
}

const BACKENDS = ["codex", "claude_code"] as const;
type Backend = (typeof BACKENDS)[number];

function script(backend: Backend, turn: TurnOptions & { kind: "text"; text: string }): void {
  if (backend === "codex") openai.script([turn]);
  else anthropic.script([turn]);
}

const scripted = (backend: Backend) =>
  (backend === "codex" ? openai.requests : anthropic.requests).filter((r) => r.scripted).length;

function start(runId: string, backend: Backend, over: Parameters<typeof dispatch>[2] = {}): void {
  hub.send(dispatch(runId, "Go.", { backend, cwd: root, ...over }));
}

/** Waits until the agent holds its model request open: the run is mid-turn, its processes alive. */
async function midTurn(backend: Backend, before: number): Promise<void> {
  await waitFor(() => scripted(backend) > before);
  expect((await agentProcesses()).length).toBeGreaterThan(0);
}

const terminalTypes = (runId: string) =>
  hub
    .items(runId)
    .flatMap(({ output }) => (output.kind === "event" ? [output.event.type] : []))
    .filter((type) => type === "run_completed" || type === "run_failed");

/** The run's terminal events once one has reached the hub (the link coalesces outputs for a while). */
const terminalTypesOnceEnded = async (runId: string) => {
  await hub.waitFor(() => terminalTypes(runId).length > 0, `${runId}'s end at the hub`);
  return terminalTypes(runId);
};

describe.each(BACKENDS)("%s run endings under the runner", (backend) => {
  it("completed: the end line is printed and no agent process is left", async () => {
    script(backend, { kind: "text", text: "Done." });
    start("run-done", backend);
    await printed("run run-done completed");
    expect(await terminalTypesOnceEnded("run-done")).toEqual(["run_completed"]);
    expect(await agentProcesses()).toEqual([]);
  });

  it("cancelled mid-turn (cancel_run, a timeout or a budget on the Worker): the agent is stopped", async () => {
    script(backend, { kind: "text", text: "Too late.", delayMs: 120_000 });
    const before = scripted(backend);
    start("run-stalled", backend);
    await midTurn(backend, before);

    hub.send({ type: "run.cancel", run_id: "run-stalled" });
    await printed("run run-stalled cancelled");
    expect(terminalTypes("run-stalled")).toEqual([]);
    expect(await agentProcesses()).toEqual([]);
  });

  it("the runner stopping (Ctrl-C, SIGTERM): the run ends, the Worker is told, no agent is left", async () => {
    script(backend, { kind: "text", text: "Too late.", delayMs: 120_000 });
    const before = scripted(backend);
    start("run-stopped", backend);
    await midTurn(backend, before);

    expect(await runner.handle.stop("SIGTERM")).toBe(0);
    stopped = true;
    expect(runner.lines).toContain("stopped: cancelled 1 runs");
    expect(runner.lines.some((l) => l.startsWith("run run-stopped cancelled"))).toBe(true);
    expect(hub.items("run-stopped").at(-1)?.output).toMatchObject({
      kind: "event",
      event: { type: "run_failed", data: { error: { code: "runner_unavailable" } } },
    });
    expect(await agentProcesses()).toEqual([]);
  });
});

describe("codex run endings under the runner", () => {
  it("failed: the model refuses; the end line is printed and no agent process is left", async () => {
    openai.script([{ kind: "error", status: 400, message: "the fake refuses" }]);
    start("run-failed", "codex");
    await printed("run run-failed failed");
    expect(await terminalTypesOnceEnded("run-failed")).toEqual(["run_failed"]);
    expect(await agentProcesses()).toEqual([]);
  });

  it("refused: a cwd outside the roots starts nothing", async () => {
    start("run-refused", "codex", { cwd: "/" });
    await printed("refused run run-refused");
    await hub.waitFor(() => hub.refusals().length === 1, "the refusal");
    expect(hub.refusals()).toMatchObject([{ run_id: "run-refused", code: "cwd_outside_roots" }]);
    expect(openai.requests).toEqual([]);
    expect(await agentProcesses()).toEqual([]);
  });

  it("completed with a detached process left running: it is ended with the run", async () => {
    openai.script([
      { kind: "shell", command: "setsid nohup sleep 300 > /dev/null 2>&1 < /dev/null & echo started" },
      { kind: "text", text: "Left something running." },
    ]);
    // Outside codex's sandbox: inside it, the sandbox's end takes the process along.
    start("run-detached", "codex", { config: { sandbox_mode: "danger-full-access" } });
    await printed("run run-detached completed");
    expect(await terminalTypesOnceEnded("run-detached")).toEqual(["run_completed"]);
    expect(await agentProcesses()).toEqual([]);
  });

  it("ended by the Worker while the link was down: the cancel after the reconnect stops the agent", async () => {
    openai.script([{ kind: "text", text: "Too late.", delayMs: 120_000 }]);
    start("run-orphaned", "codex");
    await midTurn("codex", 0);
    hub.cut();
    await hub.waitFor(
      () => hub.connections.length === 2 && hub.current.frames.some((f) => f.type === "runner.hello"),
      "the runner's second hello",
    );
    expect(hub.current.frames[0]).toMatchObject({ type: "runner.hello", active_runs: ["run-orphaned"] });

    // What the hub answers a hello holding a run that has ended on the Worker (hub.ts).
    hub.send({ type: "run.cancel", run_id: "run-orphaned" });
    await printed("run run-orphaned cancelled");
    expect(await agentProcesses()).toEqual([]);
  });
});
