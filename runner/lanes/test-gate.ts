// The lane's test gate after a run's changes are recorded: `test_command` in the worktree through
// the shell, in its own process group, killed whole at test_timeout_s; its output (stdout and
// stderr as they came) becomes the test output artifact, its result a tests_finished event.
import { spawn } from "node:child_process";
import { emit, type BackendOutput } from "../../shared/backends/backend.ts";
import {
  TEST_OUTPUT_ARTIFACT_ID,
  TestResultSchema,
  type LaneWorkspace,
  type TestResult,
} from "../../shared/lanes/lane-work.ts";
import { withTurnMarker } from "../agents/process-reaper.ts";
import { artifactChunks } from "./artifact-chunks.ts";

/** Output kept: the end of it, where test runners print their summary. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

export interface GateOptions {
  /** The run's process marker: the reaper ends what the command leaves running with the run. */
  marker: string;
  signal: AbortSignal;
  now?: () => number;
}

export async function runTestGate(
  cwd: string,
  lane: LaneWorkspace & { test_command: string },
  options: GateOptions,
): Promise<{ result: TestResult; outputs: BackendOutput[] }> {
  const { marker, signal, now = Date.now } = options;
  const started = now();
  const child = spawn("/bin/sh", ["-c", lane.test_command], {
    cwd,
    env: withTurnMarker(process.env, marker),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = new TailBuffer(MAX_OUTPUT_BYTES);
  child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
  // The whole group: a test runner's workers and servers go with it.
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // The group is gone already.
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, lane.test_timeout_s * 1000);
  signal.addEventListener("abort", killGroup, { once: true });
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once("error", (error) => {
      output.push(Buffer.from(`${error.message}\n`));
      resolve(null);
    });
    child.once("exit", (code) => resolve(code));
  });
  clearTimeout(timer);
  signal.removeEventListener("abort", killGroup);
  // What it left in the background would hold its pipes open, and must not outlive the gate.
  killGroup();
  await new Promise<void>((resolve) =>
    child.stdout.closed && child.stderr.closed ? resolve() : child.once("close", () => resolve()),
  );
  const result = TestResultSchema.parse({
    command: lane.test_command,
    exit_code: timedOut ? null : exitCode,
    passed: !timedOut && exitCode === 0,
    timed_out: timedOut,
    duration_ms: Math.max(0, Math.round(now() - started)),
    output_artifact: TEST_OUTPUT_ARTIFACT_ID,
  });
  const text = timedOut ? `${output.text()}\n[killed after ${lane.test_timeout_s} s]\n` : output.text();
  return {
    result,
    outputs: [
      ...artifactChunks(TEST_OUTPUT_ARTIFACT_ID, "test output", text),
      emit("tests_finished", result),
    ],
  };
}

/** The last `max` bytes pushed, and how many came before them. */
class TailBuffer {
  readonly #max: number;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #dropped = 0;

  constructor(max: number) {
    this.#max = max;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes - this.#chunks[0]!.length >= this.#max) {
      const first = this.#chunks.shift()!;
      this.#bytes -= first.length;
      this.#dropped += first.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.#chunks);
    const over = Math.max(0, all.length - this.#max);
    const kept = all.subarray(over).toString("utf8");
    const dropped = this.#dropped + over;
    return dropped ? `[… ${dropped} earlier bytes not shown]\n${kept}` : kept;
  }
}
