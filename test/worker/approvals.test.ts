// Approvals relayed to the caller, through the real Worker with the test as the runner: the
// policy on spawn_run, the input_required record an approval request makes, continue_run's
// `approval` (validation, conflicts, the run.approval frame), and a request the runner timed out.
import { describe, expect, it } from "vitest";
import { connect, type TestClient } from "./support/mcp.ts";
import { waitForStatus } from "./support/mcp.ts";
import { ScriptedRunner, runnerWithRun } from "./support/scripted-runner.ts";

const REQUEST = {
  request_id: "req-1",
  tool: "Bash",
  command: "rm -rf build",
  reason: "Claude wants to run rm",
};
const asked = {
  type: "input_required",
  data: { message: "approval needed: Bash rm -rf build", approval: REQUEST },
};

/** A claude_code run with approvals relayed, started by a scripted runner and waiting on REQUEST. */
async function waitingRun(c: TestClient, spawn: Record<string, unknown> = {}) {
  const name = `approvals-${crypto.randomUUID().slice(0, 8)}`;
  const runner = await ScriptedRunner.connect({ name, backends: ["claude_code"] });
  const { run_id: runId } = await c.ok("spawn_run", {
    backend: "claude_code",
    prompt: "clean up",
    cwd: "/w",
    approvals: "relay",
    backend_config: { runner: name },
    ...spawn,
  });
  const dispatch = await runner.next("run.dispatch", (f) => f.run_id === runId);
  runner.outputs(runId, 1, [{ type: "run_started", data: { session_id: "s-1" } }, asked]);
  await waitForStatus(c, runId, ["input_required"]);
  return { runner, runId, dispatch };
}

describe("approvals relayed to the caller", () => {
  it("dispatches the policy and shows the waiting request on the record and in the events", async () => {
    const c = await connect();
    const { runner, runId, dispatch } = await waitingRun(c, { approval_timeout_s: 30 });
    expect(dispatch).toMatchObject({ approvals: "relay", approval_timeout_s: 30 });

    const run = await c.ok("get_run", { run_id: runId });
    expect(run).toMatchObject({
      status: "input_required",
      pending_approval: REQUEST,
      summary: "approval needed: Bash rm -rf build",
    });
    const page = await c.ok("poll_events", { run_id: runId, after_seq: 0 });
    const events = page.events.filter((e: { type: string }) => e.type === "input_required");
    expect(events.map((e: { data: unknown }) => e.data)).toEqual([asked.data]);
    runner.close();
  });

  it("an approval goes to the runner as run.approval and the run goes on in the same turn", async () => {
    const c = await connect();
    const { runner, runId } = await waitingRun(c);

    const answered = await c.ok("continue_run", {
      run_id: runId,
      approval: { approve: true, reason: "build is scratch" },
    });
    expect(answered).toMatchObject({ mode: "live", run_id: runId, status: "running" });
    const frame = await runner.next("run.approval", (f) => f.run_id === runId);
    expect(frame).toEqual({
      type: "run.approval",
      run_id: runId,
      request_id: "req-1",
      approve: true,
      reason: "build is scratch",
    });
    expect(await c.ok("get_run", { run_id: runId })).toMatchObject({
      status: "running",
      pending_approval: null,
    });
    // No second frame: the run waits on nothing now.
    expect((await c.err("continue_run", { run_id: runId, approval: { approve: false } })).field).toBe(
      "approval",
    );

    runner.outputs(runId, 3, [
      { type: "approval_resolved", data: { request_id: "req-1", approve: true, by: "caller" } },
      { type: "run_completed", data: { final_response: "cleaned" } },
    ]);
    await waitForStatus(c, runId, ["completed"]);
    expect(runner.frames.filter((f) => f.type === "run.approval")).toHaveLength(0);
    runner.close();
  });

  it("a denial carries its reason to the runner, and a request_id must name the waiting request", async () => {
    const c = await connect();
    const { runner, runId } = await waitingRun(c);

    // Another tenant's caller finds no such run, and nothing reaches the runner.
    const other = await connect("test-token-globex");
    const foreign = await other.err("continue_run", { run_id: runId, approval: { approve: true } });
    expect(foreign).toMatchObject({ code: "not_found", field: "run_id" });

    const wrong = await c.err("continue_run", {
      run_id: runId,
      approval: { approve: false, request_id: "req-other" },
    });
    expect(wrong).toMatchObject({ code: "conflict", field: "approval.request_id" });
    expect(wrong.message).toContain('"req-1"');

    await c.ok("continue_run", {
      run_id: runId,
      approval: { approve: false, reason: "not that", request_id: "req-1" },
    });
    const frame = await runner.next("run.approval", (f) => f.run_id === runId);
    expect(frame).toMatchObject({ request_id: "req-1", approve: false, reason: "not that" });
    runner.close();
  });

  it("refuses a message while a request waits, and approval mixed with a message", async () => {
    const c = await connect();
    const { runner, runId } = await waitingRun(c);

    const message = await c.err("continue_run", { run_id: runId, prompt: "just do it" });
    expect(message).toMatchObject({ code: "conflict", field: "approval" });
    expect(message.message).toContain("req-1");
    for (const extra of [
      { prompt: "yes" },
      { input_message: { role: "user", parts: [{ kind: "text", text: "y" }] } },
    ]) {
      const mixed = await c.err("continue_run", { run_id: runId, approval: { approve: true }, ...extra });
      expect(mixed).toMatchObject({ code: "bad_request", field: "approval" });
    }
    expect((await c.err("continue_run", { run_id: runId, approval: { reason: "no verdict" } })).field).toBe(
      "approval.approve",
    );
    expect(
      (await c.err("continue_run", { run_id: runId, approval: { approve: true, always: true } })).field,
    ).toMatch(/^approval/);
    // Nothing reached the runner and the run still waits on its request.
    expect(runner.frames.filter((f) => f.type === "run.approval" || f.type === "run.continue")).toHaveLength(
      0,
    );
    expect(await c.ok("get_run", { run_id: runId })).toMatchObject({
      status: "input_required",
      pending_approval: REQUEST,
    });
    runner.close();
  });

  it("a request the runner denied at its timeout can no longer be answered", async () => {
    const c = await connect();
    const { runner, runId } = await waitingRun(c);
    runner.outputs(runId, 3, [
      {
        type: "approval_resolved",
        data: { request_id: "req-1", approve: false, by: "timeout", reason: "no answer within 600 s" },
      },
    ]);
    await waitForStatus(c, runId, ["running"]);
    expect((await c.ok("get_run", { run_id: runId })).pending_approval).toBeNull();

    const late = await c.err("continue_run", { run_id: runId, approval: { approve: true } });
    expect(late).toMatchObject({ code: "conflict", field: "approval" });
    runner.outputs(runId, 4, [{ type: "run_completed", data: { final_response: "skipped it" } }]);
    await waitForStatus(c, runId, ["completed"]);
    expect((await c.err("continue_run", { run_id: runId, approval: { approve: true } })).field).toBe(
      "approval",
    );
    expect(runner.frames.filter((f) => f.type === "run.approval")).toHaveLength(0);
    runner.close();
  });

  it("a run that does not relay has no pending approval, whatever its input_required carries", async () => {
    const c = await connect();
    const { runner, runId } = await runnerWithRun(c, "no-relay");
    runner.outputs(runId, 1, [{ type: "run_started", data: { thread_id: "t-1" } }, asked]);
    await waitForStatus(c, runId, ["input_required"]);
    expect((await c.ok("get_run", { run_id: runId })).pending_approval).toBeNull();
    expect((await c.err("continue_run", { run_id: runId, approval: { approve: true } })).field).toBe(
      "approval",
    );
    // A plain message continues it as any input_required run.
    await c.ok("continue_run", { run_id: runId, prompt: "go on" });
    expect(await runner.next("run.continue", (f) => f.run_id === runId)).toMatchObject({ run_id: runId });
    expect(runner.frames.filter((f) => f.type === "run.approval")).toHaveLength(0);
    runner.close();
  });

  it("relay is refused for backends that cannot relay, and its timeout without relay", async () => {
    const c = await connect();
    for (const backend of ["codex", "remote_a2a", "openai_compatible"]) {
      const refused = await c.err("spawn_run", { backend, prompt: "x", approvals: "relay" });
      expect(refused, backend).toMatchObject({ code: "bad_request", field: "approvals" });
    }
    const timeout = await c.err("spawn_run", { backend: "claude_code", prompt: "x", approval_timeout_s: 5 });
    expect(timeout).toMatchObject({ code: "bad_request", field: "approval_timeout_s" });
    const bad = await c.err("spawn_run", { backend: "claude_code", prompt: "x", approvals: "ask" });
    expect(bad).toMatchObject({ code: "bad_request", field: "approvals" });

    const backends = await c.ok("list_available_backends", {});
    const capability = Object.fromEntries(
      backends.backends.map((b: { backend: string; capabilities: { approvals: boolean } }) => [
        b.backend,
        b.capabilities.approvals,
      ]),
    );
    expect(capability).toEqual({
      remote_a2a: false,
      codex: false,
      claude_code: true,
      openai_compatible: false,
    });
  });
});
