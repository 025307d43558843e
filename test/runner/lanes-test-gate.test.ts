// The lane's test gate with a real shell: the command runs in the worktree, its output becomes the
// test output artifact, its exit code the result; at the timeout its whole process group is killed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BackendOutput } from "../../shared/backends/backend.ts";
import { TEST_OUTPUT_ARTIFACT_ID } from "../../shared/lanes/lane-work.ts";
import { newTurnMarker, TURN_MARKER_VAR } from "../../runner/agents/process-reaper.ts";
import { runTestGate } from "../../runner/lanes/test-gate.ts";
import { eventsOf, makeTempDir, pidsWithEnv } from "./support/agent-harness.ts";

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let marker: string;
beforeEach(async () => {
  dir = await makeTempDir("gate");
  marker = newTurnMarker();
});
afterEach(async () => {
  await dir.remove();
});

const lane = (test_command: string, test_timeout_s = 600) => ({
  lane_id: "gate",
  repo: dir.path,
  branch: "switchyard/gate",
  commit_policy: "commit" as const,
  test_command,
  test_timeout_s,
});
const gate = (command: string, timeout?: number) =>
  runTestGate(dir.path, lane(command, timeout), { marker, signal: new AbortController().signal });
const outputText = (outputs: BackendOutput[]) =>
  eventsOf(outputs)
    .filter((e) => e.type === "artifact_added")
    .map((e) => {
      expect(e.data.artifact_id).toBe(TEST_OUTPUT_ARTIFACT_ID);
      return e.data.text as string;
    })
    .join("");

describe("the test gate", () => {
  it("fails with the command's exit code and keeps stdout and stderr as the output artifact", async () => {
    const { result, outputs } = await gate("echo checking; echo 'assertion failed' >&2; exit 3");
    expect(result).toMatchObject({
      command: "echo checking; echo 'assertion failed' >&2; exit 3",
      exit_code: 3,
      passed: false,
      timed_out: false,
      output_artifact: TEST_OUTPUT_ARTIFACT_ID,
    });
    expect(outputText(outputs)).toBe("checking\nassertion failed\n");
    expect(eventsOf(outputs).at(-1)).toEqual({ type: "tests_finished", data: result });
  });

  it("passes on exit 0, run in the worktree", async () => {
    const { result, outputs } = await gate("pwd && test -d .");
    expect(result).toMatchObject({ exit_code: 0, passed: true, timed_out: false });
    expect(outputText(outputs).trim()).toBe(dir.path);
  });

  it("kills the command and everything it started at the timeout, and reports it timed out", async () => {
    const { result, outputs } = await gate("sleep 300 & echo started; sleep 300", 1);
    expect(result).toMatchObject({ exit_code: null, passed: false, timed_out: true });
    expect(outputText(outputs)).toContain("started\n");
    expect(outputText(outputs)).toContain("[killed after 1 s]");
    expect(await pidsWithEnv(`${TURN_MARKER_VAR}=${marker}`)).toEqual([]);
  });

  it("keeps the end of a long output and says how much came before", async () => {
    const { outputs } = await gate(
      "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo SUMMARY: 1 failed; exit 1",
    );
    const text = outputText(outputs);
    expect(text).toMatch(/^\[… \d+ earlier bytes not shown\]\n/);
    expect(text.endsWith("SUMMARY: 1 failed\n")).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThan(1024 * 1024 + 100);
  });

  it("ends the command when the run is cancelled", async () => {
    const abort = new AbortController();
    const running = runTestGate(dir.path, lane("echo up; sleep 300"), { marker, signal: abort.signal });
    setImmediate(() => abort.abort());
    const { result } = await running;
    expect(result).toMatchObject({ passed: false, timed_out: false });
    expect(await pidsWithEnv(`${TURN_MARKER_VAR}=${marker}`)).toEqual([]);
  });
});
