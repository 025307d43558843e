// remote_a2a through the MCP surface: every scenario's events arrive once, in order, with
// contiguous seq, and the run ends in the status the agent meant.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { objects } from "./support/objects.ts";
import { agentUrl, connect, drainEvents, waitForStatus, type A2aAgentName } from "./support/mcp.ts";

const spawnA2a = async (agent: A2aAgentName, extra: Record<string, unknown> = {}) => {
  const c = await connect();
  const run = await c.ok("spawn_run", {
    backend: "remote_a2a",
    prompt: "go",
    backend_config: { agent_url: agentUrl(agent) },
    ...extra,
  });
  return { c, run };
};

const texts = (events: any[]) => events.filter((e) => e.type === "agent_message").map((e) => e.data.text);
const expectContiguous = (events: any[]) =>
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

describe("remote_a2a runs", () => {
  it("streaming: every update once, in order; structured output and usage recorded", async () => {
    const { c, run } = await spawnA2a("streaming", {
      cwd: "/work/repo",
      output_schema: { type: "object", required: ["answer"], properties: { answer: { type: "number" } } },
    });
    const events = await drainEvents(c, run.run_id);
    expectContiguous(events);
    expect(texts(events)).toEqual(["step 1", "step 2", "step 3", "final answer"]);
    expect(events.filter((e) => e.type === "artifact_added")).toHaveLength(1);
    expect(events.filter((e) => e.type === "run_completed")).toHaveLength(1);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got.status).toBe("completed");
    expect(got.result.final_response).toBe("final answer");
    expect(got.result.structured_output).toEqual({ answer: 42 });
    expect(got.result.structured_output_validation).toEqual({ valid: true });
    expect(got.result.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, turns: 1 });
    expect(got.remote_ref.task_id).toBeTruthy();
    expect(got.started_at).toBeTruthy();
    expect(got.completed_at).toBeTruthy();
    // cwd and the output schema travel to the agent in the message's metadata.
    const received = (await (await fetch(`${agentUrl("streaming")}/__received`)).json()) as any;
    const sent = received.messages.find((m: any) => m.metadata?.switchyard?.run_id === run.run_id);
    expect(sent.metadata.switchyard).toMatchObject({
      cwd: "/work/repo",
      output_schema: { required: ["answer"] },
    });
  });

  it("records a failed validation against output_schema", async () => {
    const { c, run } = await spawnA2a("streaming", {
      output_schema: { type: "object", required: ["answer"], properties: { answer: { type: "string" } } },
    });
    await drainEvents(c, run.run_id);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got.status).toBe("completed");
    expect(got.result.structured_output_validation.valid).toBe(false);
  });

  it("non-streaming: followed to completion", async () => {
    const { c, run } = await spawnA2a("nonStreaming");
    const events = await drainEvents(c, run.run_id);
    expectContiguous(events);
    expect(texts(events).filter((t) => t === "non-streaming done")).toHaveLength(1);
    expect((await c.ok("get_run", { run_id: run.run_id })).status).toBe("completed");
  });

  it("input-required: continue_run answers on the same task and context", async () => {
    const { c, run } = await spawnA2a("inputRequired");
    const waiting = await waitForStatus(c, run.run_id, ["input_required"]);
    expect(waiting.summary).toBe("What is your name?");
    const cont = await c.ok("continue_run", { run_id: run.run_id, prompt: "Ada" });
    expect(cont.mode).toBe("live");
    const events = await drainEvents(c, run.run_id);
    expectContiguous(events);
    expect(events.filter((e) => e.type === "input_required")).toHaveLength(1);
    expect(events.filter((e) => e.type === "message_added")).toHaveLength(1);
    const done = await c.ok("get_run", { run_id: run.run_id });
    expect(done.status).toBe("completed");
    expect(done.result.final_response).toBe("Hello, Ada");
    const received = (await (await fetch(`${agentUrl("inputRequired")}/__received`)).json()) as any;
    const mine = received.messages.filter((m: any) => m.taskId === done.remote_ref.task_id);
    expect(mine).toHaveLength(1);
    expect(mine[0].contextId).toBe(done.remote_ref.context_id);
  });

  it("auth-required: the run waits in auth_required", async () => {
    const { c, run } = await spawnA2a("inputRequired", { prompt: "needs auth" });
    const waiting = await waitForStatus(c, run.run_id, ["auth_required"]);
    expect(waiting.summary).toBe("Please sign in first");
  });

  it("cancel: the agent is told and the run ends cancelled, keeping what it produced", async () => {
    const { c, run } = await spawnA2a("slow");
    await c.ok("poll_events", { run_id: run.run_id, after_seq: 3, wait_ms: 10_000 });
    const cancelled = await c.ok("cancel_run", { run_id: run.run_id });
    expect(cancelled.status).toBe("cancelled");
    const received = (await (await fetch(`${agentUrl("slow")}/__received`)).json()) as any;
    expect(received.cancels).toContain(cancelled.remote_ref.task_id);
    expect((await c.ok("cancel_run", { run_id: run.run_id })).status).toBe("cancelled");
    expect((await c.ok("get_run", { run_id: run.run_id })).last_seq).toBeGreaterThan(3);
  });

  it("cancel: a watchdog alarm while the agent is being told does not take the agent's own ending for the run's", async () => {
    // The agent fails its task as it is ended and answers the cancel 1.5 s later; an alarm in
    // between must not re-attach the stream, find the task failed and end the run so.
    const { c, run } = await spawnA2a("diesOnCancel");
    await c.ok("poll_events", { run_id: run.run_id, after_seq: 3, wait_ms: 10_000 });
    const cancelling = c.ok("cancel_run", { run_id: run.run_id });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await runDurableObjectAlarm(objects.RUNS.getByName(`acme/${run.run_id}`))).toBe(true);
    expect((await cancelling).status).toBe("cancelled");
    const events = await drainEvents(c, run.run_id);
    expect(events.filter((e) => e.type === "run_failed")).toEqual([]);
    expect((await c.ok("get_run", { run_id: run.run_id })).status).toBe("cancelled");
  });

  it("dropped stream: every update exactly once, in order", async () => {
    const { c, run } = await spawnA2a("dropStream");
    const events = await drainEvents(c, run.run_id);
    expectContiguous(events);
    expect(texts(events)).toEqual([...Array.from({ length: 8 }, (_, i) => `update ${i + 1}`), "drop done"]);
    expect((await c.ok("get_run", { run_id: run.run_id })).status).toBe("completed");
  });

  it("A2A 0.3 agent", async () => {
    const { c, run } = await spawnA2a("v03");
    const events = await drainEvents(c, run.run_id);
    expectContiguous(events);
    expect(texts(events)).toEqual(["v03 step 1", "v03 step 2", "v03 done"]);
    expect((await c.ok("get_run", { run_id: run.run_id })).result.structured_output).toEqual({
      answer: "v03",
    });
  });

  it.each([
    ["rejecting", "rejected", "I only review Go code"],
    ["failing", "failed", "tool crashed: disk full"],
  ] as const)("%s agent ends the run %s with its reason", async (agent, status, reason) => {
    const { c, run } = await spawnA2a(agent);
    await drainEvents(c, run.run_id);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got.status).toBe(status);
    expect(got.error.message).toContain(reason);
  });

  it("unreachable agent: the run fails with a clear error and nothing else is harmed", async () => {
    const { c, run } = await spawnA2a("unreachable");
    const other = await c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      backend_config: { agent_url: agentUrl("streaming") },
    });
    await drainEvents(c, run.run_id);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got.status).toBe("failed");
    expect(got.error.message).toContain(new URL(agentUrl("unreachable")).host);
    await drainEvents(c, other.run_id);
    expect((await c.ok("get_run", { run_id: other.run_id })).status).toBe("completed");
  });

  it("secrets reach the agent but never an event, record or result", async () => {
    const secret = "sk-super-secret-value-123";
    const { c, run } = await spawnA2a("streaming", {
      backend_config: {
        agent_url: agentUrl("streaming"),
        auth_token: secret,
        headers: { "x-api-key": `hdr-${secret}` },
      },
    });
    const events = await drainEvents(c, run.run_id);
    const got = await c.ok("get_run", { run_id: run.run_id });
    const listed = await c.ok("list_runs", {});
    expect(JSON.stringify([events, got, listed])).not.toContain(secret);
    const received = (await (await fetch(`${agentUrl("streaming")}/__received`)).json()) as any;
    expect(received.messages.some((m: any) => m.authorization === `Bearer ${secret}`)).toBe(true);
  });
});
