// Approvals relayed through the runner with the real Claude Code (only the model is faked): a Bash
// tool_use becomes input_required with data.approval; a run.approval frame approves (the command
// really runs) or denies it (it does not, and the model is told); no answer denies it at the timeout.
import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClaudeCodeAgent } from "../../runner/agents/claude-code.ts";
import { requestMessages, startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import { killProcessesWithEnv, makeTempDir } from "./support/agent-harness.ts";
import { FakeHub } from "./support/fake-hub.ts";
import { dispatch, runnerFor, type TestRunner } from "./support/runner.ts";

let fake: FakeAnthropic;
let hub: FakeHub;
let runner: TestRunner;
let home: Awaited<ReturnType<typeof makeTempDir>>;
let cwd: Awaited<ReturnType<typeof makeTempDir>>;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  home = await makeTempDir("claude-home");
  cwd = await makeTempDir("claude-approvals");
  hub = await FakeHub.start();
  const env = {
    PATH: process.env.PATH,
    HOME: home.path,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: "fake-key",
  };
  runner = await runnerFor(
    hub,
    { roots: [cwd.path] },
    {
      agents: {
        claude_code: (marker, _link, approvals) => createClaudeCodeAgent({ env, marker, approvals }),
      },
      probe: async () => [{ backend: "claude_code", installed: true, credentials: "configured" }],
    },
  );
  await runner.printed("connected");
});

afterEach(async () => {
  await runner.handle.stop();
  await hub.stop();
  await killProcessesWithEnv(`HOME=${home.path}`);
  await fake.close();
  await home.remove();
  await cwd.remove();
});

// A command acceptEdits does not accept by itself (it does a plain redirect into cwd).
const COMMAND = "sh -c 'echo approved > made.txt'";
const events = (runId: string) =>
  hub.items(runId).flatMap((i) => (i.output.kind === "event" ? [i.output.event] : []));
const ofType = (runId: string, type: string) => events(runId).filter((e) => e.type === type);
const turnRequests = () => fake.requests.filter((r) => r.scripted);
/** What Claude Code sent the model after the tool call: the tool_result it got back. */
const toolResultSent = () => JSON.stringify(requestMessages(turnRequests()[1]!));

function relayedRun(runId: string, approvalTimeoutS?: number) {
  fake.script([
    { kind: "shell", command: COMMAND },
    { kind: "text", text: "Finished." },
  ]);
  hub.send(
    dispatch(runId, "make the file", {
      backend: "claude_code",
      cwd: realpathSync(cwd.path),
      secrets: {},
      approvals: "relay",
      ...(approvalTimeoutS === undefined ? {} : { approval_timeout_s: approvalTimeoutS }),
    }),
  );
}

/** The caller's answer, as the Worker sends it. */
const answer = (runId: string, requestId: string, approve: boolean, reason?: string) =>
  hub.send({ type: "run.approval", run_id: runId, request_id: requestId, approve, reason });

/** A late answer finds nothing waiting: the runner says so and the command still has not run. */
async function answeredTooLate(runId: string, requestId: string) {
  answer(runId, requestId, true);
  await runner.printed(`approval ${requestId} is not waiting`);
  expect(existsSync(join(cwd.path, "made.txt"))).toBe(false);
}

/** The run's end line printed, and its run_completed at the hub (the two travel apart). */
async function completed(runId: string) {
  await runner.printed(`run ${runId} completed`, 60_000);
  await hub.waitFor(() => ofType(runId, "run_completed").length === 1, `${runId}'s run_completed`);
}

async function pendingRequest(runId: string) {
  await hub.waitFor(() => ofType(runId, "input_required").length === 1, "input_required", 60_000);
  return ofType(runId, "input_required")[0]!.data as {
    message: string;
    approval: { request_id: string; tool: string; command?: string };
  };
}

describe("claude_code approvals relayed to the caller", () => {
  it("asks before Bash runs, and runs the command once approved", async () => {
    relayedRun("run-ok");
    const asked = await pendingRequest("run-ok");
    expect(asked.approval).toMatchObject({ tool: "Bash", command: COMMAND });
    expect(asked.approval.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(asked.message).toContain(COMMAND);
    // Nothing ran while the request waited.
    expect(existsSync(join(cwd.path, "made.txt"))).toBe(false);

    answer("run-ok", asked.approval.request_id, true);
    await completed("run-ok");

    expect(existsSync(join(cwd.path, "made.txt"))).toBe(true);
    expect(ofType("run-ok", "approval_resolved").map((e) => e.data)).toEqual([
      { request_id: asked.approval.request_id, approve: true, by: "caller" },
    ]);
    expect(ofType("run-ok", "command_finished")[0]!.data).toMatchObject({ command: COMMAND, exit_code: 0 });
    expect(ofType("run-ok", "run_completed")[0]!.data).toMatchObject({ final_response: "Finished." });
    const types = events("run-ok").map((e) => e.type);
    expect(types.indexOf("input_required")).toBeLessThan(types.indexOf("approval_resolved"));
    expect(types.indexOf("approval_resolved")).toBeLessThan(types.indexOf("command_finished"));
  });

  it("does not run a denied command and tells the agent the caller's reason", async () => {
    relayedRun("run-no");
    const asked = await pendingRequest("run-no");
    answer("run-no", asked.approval.request_id, false, "not in this repo");
    await completed("run-no");

    expect(existsSync(join(cwd.path, "made.txt"))).toBe(false);
    expect(ofType("run-no", "approval_resolved").map((e) => e.data)).toEqual([
      { request_id: asked.approval.request_id, approve: false, by: "caller", reason: "not in this repo" },
    ]);
    expect(toolResultSent()).toContain("the caller denied it: not in this repo");
    // The refused call still ends in the log, as a failure carrying the refusal.
    const [finished] = ofType("run-no", "command_finished");
    expect(finished!.data).toMatchObject({ command: COMMAND, status: "failed" });
    expect(finished!.data.output).toContain("not in this repo");
  });

  it("denies a request nobody answers once the run's approval timeout passes", async () => {
    relayedRun("run-late", 1);
    const asked = await pendingRequest("run-late");
    await completed("run-late");

    expect(existsSync(join(cwd.path, "made.txt"))).toBe(false);
    expect(ofType("run-late", "approval_resolved").map((e) => e.data)).toEqual([
      {
        request_id: asked.approval.request_id,
        approve: false,
        by: "timeout",
        reason: "no answer within 1 s",
      },
    ]);
    expect(toolResultSent()).toContain("denied: no answer within 1 s");
    // A late answer finds nothing waiting and changes nothing.
    await answeredTooLate("run-late", asked.approval.request_id);
  });

  it("stops waiting when the run is cancelled: nothing runs and the request is withdrawn", async () => {
    relayedRun("run-gone");
    const asked = await pendingRequest("run-gone");
    hub.send({ type: "run.cancel", run_id: "run-gone" });
    await runner.printed("run run-gone cancelled", 60_000);
    await answeredTooLate("run-gone", asked.approval.request_id);
    expect(ofType("run-gone", "approval_resolved")).toHaveLength(0);
  });

  it("denies at once without asking when the run's policy is deny (the default)", async () => {
    fake.script([
      { kind: "shell", command: COMMAND },
      { kind: "text", text: "Finished." },
    ]);
    // Bash is pre-approved only by default; with none pre-approved, the deny policy refuses it.
    hub.send(
      dispatch("run-deny", "make the file", {
        backend: "claude_code",
        cwd: realpathSync(cwd.path),
        secrets: {},
        config: { allowed_tools: [] },
      }),
    );
    await completed("run-deny");
    expect(ofType("run-deny", "input_required")).toHaveLength(0);
    expect(existsSync(join(cwd.path, "made.txt"))).toBe(false);
  });
});
