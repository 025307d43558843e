// Starts the runner in-process against a FakeHub, recording its lines: with a scripted agent as
// codex unless the test brings its own agents.
import { realpathSync } from "node:fs";
import {
  startRunner,
  type RunnerConfig,
  type RunnerDeps,
  type RunnerHandle,
} from "../../../runner/runner.ts";
import type { DispatchFrame } from "../../../shared/protocol/frames.ts";
import { Changes } from "./changes.ts";
import type { FakeHub } from "./fake-hub.ts";
import { createScriptedAgent, type ScriptedAgent } from "./scripted-agent.ts";

export interface TestRunner {
  handle: RunnerHandle;
  agent: ScriptedAgent;
  lines: string[];
  /** Resolves once a printed line contains `text` (within `timeoutMs`). */
  printed(text: string, timeoutMs?: number): Promise<void>;
}

export async function runnerFor(
  hub: FakeHub,
  config: Partial<RunnerConfig> = {},
  deps: Pick<RunnerDeps, "agents" | "probe"> = {},
): Promise<TestRunner> {
  const agent = createScriptedAgent();
  const lines: string[] = [];
  const changes = new Changes();
  const handle = await startRunner(
    {
      url: hub.url,
      token: "runner-token",
      name: "test-runner",
      labels: { os: "linux" },
      roots: [process.cwd()],
      maxRuns: 2,
      replace: false,
      ...config,
    },
    {
      agents: deps.agents ?? {
        codex: (marker) => {
          agent.marker = marker;
          return agent;
        },
      },
      probe:
        deps.probe ??
        (async () => [
          { backend: "codex", installed: true, credentials: "configured" },
          { backend: "claude_code", installed: false, credentials: "missing" },
        ]),
      log: (line) => {
        lines.push(line);
        changes.notify();
      },
      link: { backoff: { baseMs: 10, capMs: 10, random: () => 0 } },
      drainMs: 2000,
    },
  );
  const printed = (text: string, timeoutMs?: number) =>
    changes.until(() => lines.some((l) => l.includes(text)), `a line with "${text}"`, timeoutMs);
  return { handle, agent, lines, printed };
}

export function dispatch(runId: string, text: string, over: Partial<DispatchFrame> = {}): DispatchFrame {
  return {
    type: "run.dispatch",
    run_id: runId,
    backend: "codex",
    message: { role: "user", parts: [{ kind: "text", text }] },
    cwd: realpathSync(process.cwd()),
    config: {},
    secrets: { api_key: "sk-secret" },
    ref: {},
    acked_seq: 0,
    ...over,
  };
}
