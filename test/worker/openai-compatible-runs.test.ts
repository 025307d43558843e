// openai_compatible through the MCP surface, at the edge (the fake on 127.0.0.1 is allowed as
// public in these tests): a turn, structured output, a multi-turn conversation, and where a
// private address goes instead of being fetched by the edge.
import { describe, expect, it } from "vitest";
import { parseAllowHosts } from "../../worker/egress/allow-list.ts";
import { createGuardedFetch } from "../../worker/egress/guarded-fetch.ts";
import { connect, drainEvents, waitForStatus } from "./support/mcp.ts";
import { fakeRoot, requestsFor, script, sentMessages, uniqueModel } from "./support/openai-backend.ts";

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  backend: "openai_compatible",
  prompt: "What is 2+2?",
  backend_config: { base_url: `${fakeRoot()}/v1`, model, api_key: "sk-test-key-123" },
  ...extra,
});

describe("openai_compatible runs", () => {
  it("completes at the edge with coalesced messages and usage", async () => {
    const c = await connect();
    const model = uniqueModel();
    await script(model, [{ text: "four", chunks: 4, usage: { prompt_tokens: 12, completion_tokens: 3 } }]);
    const run = await c.ok("spawn_run", chat(model));
    const events = await drainEvents(c, run.run_id);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got).toMatchObject({ status: "completed", backend: "openai_compatible" });
    expect(got.result.final_response).toBe("four");
    expect(got.result.usage).toMatchObject({ input_tokens: 12, output_tokens: 3, turns: 1, model });
    expect(events.filter((e) => e.type === "usage")).toHaveLength(1);
    expect(JSON.stringify([events, got])).not.toContain("sk-test-key-123");
  });

  it("accepts the alias local-model-openai and returns structured output", async () => {
    const c = await connect();
    const model = uniqueModel();
    await script(model, [{ text: JSON.stringify({ answer: 4 }) }]);
    const run = await c.ok("spawn_run", {
      ...chat(model),
      backend: "local-model-openai",
      output_schema: { type: "object", required: ["answer"], properties: { answer: { type: "number" } } },
    });
    await drainEvents(c, run.run_id);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got.result.structured_output).toEqual({ answer: 4 });
    expect(got.result.structured_output_validation).toEqual({ valid: true });
    const [request] = await requestsFor(model);
    expect((request!.body as any).response_format.type).toBe("json_schema");
  });

  it("continues the conversation across runs of a session", async () => {
    const c = await connect();
    const model = uniqueModel();
    await script(model, [{ text: "four" }, { text: "eight" }]);
    const first = await c.ok("spawn_run", chat(model));
    await drainEvents(c, first.run_id);
    const next = await c.ok("continue_run", {
      run_id: first.run_id,
      prompt: "And doubled?",
      backend_config: { api_key: "sk-test-key-123" },
    });
    expect(next.mode).toBe("new_run");
    await drainEvents(c, next.run_id);
    expect((await c.ok("get_run", { run_id: next.run_id })).result.final_response).toBe("eight");
    const requests = await requestsFor(model);
    expect(sentMessages(requests[1])).toEqual([
      { role: "user", content: "What is 2+2?" },
      { role: "assistant", content: "four" },
      { role: "user", content: "And doubled?" },
    ]);
  });

  it("a private endpoint is not fetched by the edge: it waits for a runner on that network", async () => {
    const c = await connect("test-token-globex");
    const run = await c.ok(
      "spawn_run",
      chat("m", { backend_config: { base_url: "http://192.168.7.7:11434/v1", model: "llama" } }),
    );
    const queued = await waitForStatus(c, run.run_id, ["queued"]);
    expect(queued.status_reason).toMatch(/waiting for a runner/);
  });

  it("the edge's fetch refuses loopback and private addresses unless allowed", async () => {
    const guarded = createGuardedFetch(parseAllowHosts("127.0.0.1:*"), async () => new Response("ok"));
    for (const url of [
      "http://10.1.2.3/v1",
      "http://192.168.0.1/",
      "http://localhost:11434/",
      "http://[::1]/",
      "http://169.254.169.254/",
    ]) {
      await expect(guarded(url), url).rejects.toThrow(/egress refused: .* the edge does not fetch/);
    }
    expect(await (await guarded("http://127.0.0.1:9/")).text()).toBe("ok");
    expect(await (await guarded("https://api.example.com/v1")).text()).toBe("ok");
  });
});
