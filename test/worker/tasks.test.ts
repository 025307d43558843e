// The 2026-07-28 Tasks extension: spawn_run called by a client declaring it returns a task bound to
// the run (stored before the answer), and tasks/get, tasks/update and tasks/cancel read, answer and
// cancel that run as get_run, continue_run and cancel_run do. Other clients get the plain result.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postModern } from "./support/mcp-modern.ts";
import { TOKENS, agentUrl, connect, waitForStatus, type TestClient } from "./support/mcp.ts";

const TASKS = { extensions: { "io.modelcontextprotocol/tasks": {} } };

const modern = (method: string, params: Record<string, unknown>, capabilities: object = TASKS) =>
  postModern(method, params, { capabilities });

const spawnAsTask = (agent: "inputRequired" | "slow", capabilities?: object) =>
  modern(
    "tools/call",
    {
      name: "spawn_run",
      arguments: { backend: "remote_a2a", prompt: "go", backend_config: { agent_url: agentUrl(agent) } },
    },
    capabilities,
  );

describe("spawn_run as a task", () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await connect();
  });
  afterAll(() => c.close());

  it("server/discover declares the Tasks extension", async () => {
    const { result } = await modern("server/discover", {});
    expect(result.capabilities.extensions).toHaveProperty(["io.modelcontextprotocol/tasks"]);
  });

  it("returns a task whose id is a stored run; input_required is answered with tasks/update", async () => {
    const { result } = await spawnAsTask("inputRequired");
    expect(result).toMatchObject({ resultType: "task", status: "working", ttlMs: null });
    const runId = result.taskId as string;
    // The task is durable: the run it names exists as soon as the answer is out.
    expect((await c.ok("get_run", { run_id: runId })).run_id).toBe(runId);

    await waitForStatus(c, runId, ["input_required"]);
    const waiting = (await modern("tasks/get", { taskId: runId })).result;
    expect(waiting).toMatchObject({ taskId: runId, status: "input_required", resultType: "complete" });
    expect(waiting.inputRequests.continue_run.method).toBe("elicitation/create");

    const updated = await modern("tasks/update", {
      taskId: runId,
      inputResponses: { continue_run: { action: "accept", content: { prompt: "Ada" } } },
    });
    expect(updated.error).toBeUndefined();
    await waitForStatus(c, runId, ["completed"]);
    const done = (await modern("tasks/get", { taskId: runId })).result;
    expect(done.status).toBe("completed");
    expect(done.result.structuredContent).toMatchObject({ run_id: runId, status: "completed" });
    expect(JSON.parse(done.result.content[0].text)).toEqual(done.result.structuredContent);

    // Answering a finished task changes nothing: no new run is started for it.
    const runsBefore = (await c.ok("list_runs", { limit: 100 })).runs.length;
    const late = await modern("tasks/update", {
      taskId: runId,
      inputResponses: { continue_run: { action: "accept", content: { prompt: "again" } } },
    });
    expect(late.error.data).toMatchObject({ code: "conflict", field: "taskId" });
    expect((await c.ok("list_runs", { limit: 100 })).runs.length).toBe(runsBefore);
  });

  it("tasks/cancel cancels the run", async () => {
    const runId = (await spawnAsTask("slow")).result.taskId as string;
    expect((await modern("tasks/cancel", { taskId: runId })).error).toBeUndefined();
    expect((await c.ok("get_run", { run_id: runId })).status).toBe("cancelled");
    expect((await modern("tasks/get", { taskId: runId })).result.status).toBe("cancelled");
  });

  it("an unknown task or a malformed answer is a JSON-RPC error naming the field; nothing changes", async () => {
    const unknown = await modern("tasks/get", { taskId: "run_000000000000000000000" });
    expect(unknown.error.data).toMatchObject({ code: "not_found", field: "taskId" });
    const runId = (await spawnAsTask("inputRequired")).result.taskId as string;
    await waitForStatus(c, runId, ["input_required"]);
    const bad = await modern("tasks/update", {
      taskId: runId,
      inputResponses: { continue_run: { action: "decline" } },
    });
    expect(bad.error.data).toMatchObject({ code: "bad_request", field: "inputResponses.continue_run" });
    expect((await c.ok("get_run", { run_id: runId })).status).toBe("input_required");
  });

  it("another tenant's task is not there: get, answer and cancel find nothing and change nothing", async () => {
    const runId = (await spawnAsTask("inputRequired")).result.taskId as string;
    await waitForStatus(c, runId, ["input_required"]);
    const asGlobex = (method: string, params: Record<string, unknown>) =>
      postModern(method, params, {
        capabilities: TASKS,
        headers: { authorization: `Bearer ${TOKENS.globex}` },
      });
    const calls = [
      asGlobex("tasks/get", { taskId: runId }),
      asGlobex("tasks/update", {
        taskId: runId,
        inputResponses: { continue_run: { action: "accept", content: { prompt: "Eve" } } },
      }),
      asGlobex("tasks/cancel", { taskId: runId }),
    ];
    for (const answer of await Promise.all(calls)) {
      expect(answer.result).toBeUndefined();
      expect(answer.error.data).toMatchObject({ code: "not_found", field: "taskId" });
    }
    const run = await c.ok("get_run", { run_id: runId });
    expect(run.status).toBe("input_required");
    expect(
      (await c.ok("poll_events", { run_id: runId, after_seq: 0, wait_ms: 0 })).events.map(
        (e: { type: string }) => e.type,
      ),
    ).not.toContain("message_added");
  });

  it("without the extension declared, spawn_run answers with the run as before", async () => {
    const { result } = await spawnAsTask("slow", {});
    expect(result.resultType).toBe("complete");
    expect(result.structuredContent.run_id).toMatch(/^run_/);
    await c.ok("cancel_run", { run_id: result.structuredContent.run_id });
  });
});
