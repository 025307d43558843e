// POST /dashboard/tools/<name>: the MCP tools through the session's tenant, answered exactly as
// /mcp answers them; CSRF and Origin guard every call, and a refused call changes nothing.
import { describe, expect, it } from "vitest";
import { connect, spawnA2aRun, TOKENS, waitForStatus } from "./support/mcp.ts";
import { dashFetch, ORIGIN, signIn, tool, toolCall } from "./support/dashboard.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

describe("dashboard tools", () => {
  it("answer what /mcp answers, for the session's tenant", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "streaming");
    await waitForStatus(c, run.run_id, ["completed"]);
    const s = await signIn(TOKENS.acme);
    expect(await tool(s, "get_run", { run_id: run.run_id })).toEqual(
      await c.ok("get_run", { run_id: run.run_id }),
    );
    expect(await tool(s, "poll_events", { run_id: run.run_id, wait_ms: 0 })).toEqual(
      await c.ok("poll_events", { run_id: run.run_id, wait_ms: 0 }),
    );
    const listed = await tool(s, "list_runs", { limit: 100 });
    expect(listed.runs.map((r: { run_id: string }) => r.run_id)).toContain(run.run_id);
    await c.close();
  });

  it("a tool's refusal is an answer naming the field, not an HTTP failure", async () => {
    const s = await signIn(TOKENS.acme);
    const bad = await toolCall(s, "poll_events", { run_id: "run_000000000000000000000", after_seq: -1 });
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({
      ok: false,
      error: { code: "bad_request", field: "after_seq", message: expect.stringContaining("after_seq") },
    });
    const unknownKey = await toolCall(s, "list_runs", { colour: "red" });
    expect(((await unknownKey.json()) as any).error).toMatchObject({ code: "bad_request", field: "colour" });
    const notObject = await toolCall(s, "list_runs", [1, 2]);
    expect(((await notObject.json()) as any).error).toMatchObject({
      code: "bad_request",
      field: "arguments",
    });
  });

  it("another tenant's run is not_found, as on /mcp", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "streaming");
    const globex = await signIn(TOKENS.globex);
    for (const name of ["get_run", "poll_events", "cancel_run"]) {
      const res = await toolCall(globex, name, { run_id: run.run_id });
      expect(await res.json()).toMatchObject({ ok: false, error: { code: "not_found", field: "run_id" } });
    }
    await waitForStatus(c, run.run_id, ["completed"]);
    await c.close();
  });

  it.each(["spawn_run", "send_agent_message", "no_such_tool", "tools"])("%s is 404", async (name) => {
    const s = await signIn(TOKENS.acme);
    const res = await toolCall(s, name, {});
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe("not_found");
  });

  it("a body over 4 MiB is 400 naming the body, and nothing is called", async () => {
    const s = await signIn(TOKENS.acme);
    const res = await toolCall(s, "list_runs", { limit: 5, pad: "x".repeat(4 * 1024 * 1024) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "bad_request", field: "body" });
  });

  it("a body that is not JSON is 400 naming the body", async () => {
    const s = await signIn(TOKENS.acme);
    const res = await dashFetch("/dashboard/tools/list_runs", {
      method: "POST",
      headers: { origin: ORIGIN, cookie: s.cookie, "x-csrf-token": s.csrf_token },
      body: "limit=5",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "bad_request", field: "body" });
  });

  it("without the session's CSRF token, or from another origin, a cancel is 403 and the run stays live", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "slow");
    await waitForStatus(c, run.run_id, ["running"]);
    const s = await signIn(TOKENS.acme);
    const otherSession = await signIn(TOKENS.acme);
    const refusals = [
      toolCall(s, "cancel_run", { run_id: run.run_id }, { "x-csrf-token": "" }),
      toolCall(s, "cancel_run", { run_id: run.run_id }, { "x-csrf-token": "A".repeat(43) }),
      toolCall(s, "cancel_run", { run_id: run.run_id }, { "x-csrf-token": otherSession.csrf_token }),
      toolCall({ cookie: s.cookie, csrf_token: "" }, "cancel_run", { run_id: run.run_id }),
      toolCall(s, "cancel_run", { run_id: run.run_id }, { origin: "http://127.0.0.1:9999" }),
    ];
    for (const res of await Promise.all(refusals)) {
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe("forbidden");
    }
    // A foreign host's page never gets that far.
    const foreign = await toolCall(
      s,
      "cancel_run",
      { run_id: run.run_id },
      { origin: "https://evil.example" },
    );
    expect(foreign.status).toBe(403);
    const after = await c.ok("get_run", { run_id: run.run_id });
    expect(after.status).toBe("running");
    const events = await c.ok("poll_events", { run_id: run.run_id, wait_ms: 0, limit: 1000 });
    expect(
      events.events.filter(
        (e: { type: string; data: { to?: string } }) =>
          e.type === "status_changed" && e.data.to === "cancelled",
      ),
    ).toEqual([]);

    // With it, the same call cancels.
    const cancelled = await tool(s, "cancel_run", { run_id: run.run_id });
    expect(cancelled.status).toBe("cancelled");
    expect((await c.ok("get_run", { run_id: run.run_id })).status).toBe("cancelled");
    await c.close();
  });

  it("without a session every tool is 401", async () => {
    const res = await toolCall({ cookie: "", csrf_token: "x" }, "list_runs", {});
    expect(res.status).toBe(401);
  });

  it("an input request is answered through continue_run, as on /mcp", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "inputRequired");
    await waitForStatus(c, run.run_id, ["input_required"]);
    const s = await signIn(TOKENS.acme);
    const continued = await tool(s, "continue_run", { run_id: run.run_id, prompt: "blue" });
    expect(continued.run_id).toBe(run.run_id);
    const done = await waitForStatus(c, run.run_id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    await c.close();
  });

  it("a pending approval is answered as on /mcp: a plain prompt is refused, a denial reaches the runner", async () => {
    const c = await connect();
    const name = `dash-approvals-${crypto.randomUUID().slice(0, 8)}`;
    const runner = await ScriptedRunner.connect({ name, backends: ["claude_code"] });
    const { run_id } = await c.ok("spawn_run", {
      backend: "claude_code",
      prompt: "clean up",
      cwd: "/w",
      approvals: "relay",
      backend_config: { runner: name },
    });
    await runner.next("run.dispatch", (f) => f.run_id === run_id);
    const request = { request_id: "req-d", tool: "Bash", command: "rm -rf build", reason: "cleanup" };
    runner.outputs(run_id, 1, [
      { type: "run_started", data: { session_id: "s-d" } },
      { type: "input_required", data: { message: "approval needed", approval: request } },
    ]);
    await waitForStatus(c, run_id, ["input_required"]);
    const s = await signIn(TOKENS.acme);
    const prompt = await (await toolCall(s, "continue_run", { run_id, prompt: "sure" })).json();
    expect(prompt).toMatchObject({ ok: false, error: { code: "conflict", field: "approval" } });
    const denied = await tool(s, "continue_run", { run_id, approval: { approve: false, reason: "no" } });
    expect(denied).toMatchObject({ mode: "live", run_id, status: "running" });
    expect(await runner.next("run.approval", (f) => f.run_id === run_id)).toEqual({
      type: "run.approval",
      run_id,
      request_id: "req-d",
      approve: false,
      reason: "no",
    });
    runner.close();
    await c.close();
  });
});
