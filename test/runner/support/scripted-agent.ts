// A LocalAgent whose turns follow the message text, so runner tests script runs through dispatch:
// "complete" finishes, "hang" works until aborted, "throw" breaks, "reject" declines the task, "leave"
// finishes leaving a process of the run running (an agent breaking its contract), "write PATH=TEXT"
// writes TEXT to PATH in its cwd and finishes. Records what it was asked.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { emit, type BackendOutput, type BackendRun } from "../../../shared/backends/backend.ts";
import { toPlainText, type InputMessage } from "../../../shared/runs/messages.ts";
import type { LocalAgent } from "../../../runner/agents/agent.ts";
import { withTurnMarker } from "../../../runner/agents/process-reaper.ts";
import { Changes } from "./changes.ts";

export interface ScriptedAgent extends LocalAgent {
  /** Each turn: how it started, with the run's ref at that moment. */
  turns: { kind: "start" | "continue"; text: string; ref: Record<string, string>; cwd?: string }[];
  /** Turns that saw their abort signal. */
  aborted: number;
  /** The marker the runner gave the run's agent (process-reaper.ts). */
  marker: string | undefined;
  /** Pids of the processes "leave" turns started. */
  left: number[];
  changes: Changes;
}

export function createScriptedAgent(): ScriptedAgent {
  const changes = new Changes();
  const agent: ScriptedAgent = {
    turns: [],
    aborted: 0,
    marker: undefined,
    left: [],
    changes,
    start: (run, signal) => turn(run, "start", run.message, signal),
    continue: (run, message, signal) => turn(run, "continue", message, signal),
  };

  async function* turn(
    run: BackendRun,
    kind: "start" | "continue",
    message: InputMessage,
    signal: AbortSignal,
  ): AsyncGenerator<BackendOutput> {
    const text = toPlainText(message);
    agent.turns.push({ kind, text, ref: { ...run.ref }, cwd: run.cwd });
    changes.notify();
    if (kind === "start") yield emit("run_started");
    yield { kind: "checkpoint", state: { private: true } };
    yield { kind: "ref", ref: { thread_id: "thread-1" } };
    if (text === "throw") throw new Error("the agent broke");
    if (text === "reject") return yield emit("rejected", { reason: "not a task for this agent" });
    if (text === "leave") {
      const child = spawn("sleep", ["60"], { env: withTurnMarker({}, agent.marker!), stdio: "ignore" });
      agent.left.push(child.pid!);
    }
    const write = /^write ([^=]+)=(.*)$/s.exec(text);
    if (write) await writeFile(join(run.cwd!, write[1]!), write[2]!);
    if (text === "hang") {
      yield emit("agent_message", { text: "working" });
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      agent.aborted++;
      changes.notify();
      return; // aborted: no terminal event (agent.ts LocalAgent contract)
    }
    yield emit("agent_message", { text: `done: ${text}` });
    yield emit("run_completed", { final_response: `done: ${text}` });
  }

  return agent;
}
