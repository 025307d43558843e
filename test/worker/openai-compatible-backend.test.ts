// The openai_compatible backend driven directly, inside workerd, against the fake OpenAI chat server
// (test/fixtures/fake-openai-chat.ts). Asserts event types, counts, texts, codes and what was sent.
import { describe, expect, it } from "vitest";
import { createOpenAiCompatibleBackend } from "../../shared/backends/openai-compatible.ts";
import type { NewEvent } from "../../shared/runs/events.ts";
import { after, collect, consume, types, type Collected } from "./support/a2a-backend.ts";
import {
  chatRun,
  fakeRoot,
  requestsFor,
  script,
  sentMessages,
  uniqueModel,
} from "./support/openai-backend.ts";

const backend = createOpenAiCompatibleBackend();
const never = () => new AbortController().signal;
const user = (text: string) => ({ role: "user" as const, parts: [{ kind: "text" as const, text }] });
const messages = (c: Collected): NewEvent[] => c.events.filter((e) => e.type === "agent_message");
const last = (c: Collected) => c.events.at(-1);
const errorOf = (c: Collected) => last(c)?.data.error as { code: string; message: string };
const fakeHost = () => new URL(fakeRoot()).host;

describe("openai_compatible: a completed turn", () => {
  it("coalesces 500 streamed chunks into a few partials and one exact final message", async () => {
    const model = uniqueModel();
    const answer = Array.from({ length: 500 }, (_, i) => `w${i}`).join(" ");
    await script(model, [{ text: answer, chunks: 500, intervalMs: 2 }]);
    const c = await collect(backend.start(chatRun(model, "count", { profileText: "be brief" }), never()));

    expect(c.events[0]).toEqual({ type: "run_started", data: { model } });
    expect(types(c).slice(-3)).toEqual(["agent_message", "usage", "run_completed"]);
    const all = messages(c);
    expect(all.length).toBeLessThan(50);
    const partials = all.filter((e) => e.data.partial === true);
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.map((e) => e.data.index)).toEqual(partials.map((_, i) => i));
    expect(answer.startsWith(partials.map((e) => String(e.data.text)).join(""))).toBe(true);
    expect(all.at(-1)?.data).toEqual({ text: answer, partial: false });
    expect(last(c)?.data).toEqual({ final_response: answer, finish_reason: "stop" });

    const [sent] = await requestsFor(model);
    expect(sent?.path).toBe("/v1/chat/completions");
    expect(sent?.body).toMatchObject({ model, stream: true, stream_options: { include_usage: true } });
    expect(sentMessages(sent)).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: "count" },
    ]);
  });

  it("reports usage normalized, with the turn's duration and model", async () => {
    const model = uniqueModel();
    const usage = { prompt_tokens: 120, completion_tokens: 40, cached_tokens: 30, reasoning_tokens: 12 };
    await script(model, [{ text: "ok", usage }]);
    const c = await collect(backend.start(chatRun(model, "usage please"), never()));
    const event = c.events.find((e) => e.type === "usage");
    expect(event?.data).toMatchObject({
      input_tokens: 120,
      cached_input_tokens: 30,
      output_tokens: 40,
      reasoning_tokens: 12,
      total_tokens: 160,
      model,
    });
    expect(event?.data.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("asks for the output schema and parses the answer as structured output", async () => {
    const model = uniqueModel();
    const schema = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] };
    await script(model, [{ text: '{"answer": 42}', chunks: 5 }, { text: "not json at all" }]);
    const c = await collect(backend.start(chatRun(model, "json", { outputSchema: schema }), never()));
    expect(last(c)).toMatchObject({ type: "run_completed", data: { structured_output: { answer: 42 } } });
    const [sent] = await requestsFor(model);
    expect((sent?.body as Record<string, unknown>).response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "output", schema, strict: true },
    });

    const bad = await collect(backend.start(chatRun(model, "json again", { outputSchema: schema }), never()));
    expect(last(bad)?.type).toBe("run_completed");
    expect(last(bad)?.data.structured_output).toBeUndefined();
    expect(String(last(bad)?.data.structured_output_error)).toContain("not JSON");
  });

  it("takes a whole JSON completion from a server that does not stream", async () => {
    const model = uniqueModel();
    await script(model, [{ text: "whole answer", usage: { prompt_tokens: 3, completion_tokens: 2 } }]);
    const noStream: typeof fetch = (input, init) =>
      fetch(input, { ...init, body: String(init?.body).replace('"stream":true', '"stream":false') });
    const c = await collect(
      createOpenAiCompatibleBackend({ fetch: noStream }).start(chatRun(model, "plain"), never()),
    );
    expect(types(c)).toEqual(["run_started", "agent_message", "usage", "run_completed"]);
    expect(last(c)?.data.final_response).toBe("whole answer");
    expect(c.events.find((e) => e.type === "usage")?.data).toMatchObject({
      input_tokens: 3,
      output_tokens: 2,
    });
  });
});

describe("openai_compatible: conversations", () => {
  it("continues the conversation from the checkpoint, sending the first exchange again", async () => {
    const model = uniqueModel();
    await script(model, [{ text: "first answer" }, { text: "second answer" }]);
    const run = chatRun(model, "first question", { profileText: "system prompt" });
    const first = await collect(backend.start(run, never()));
    expect(first.checkpoint).toEqual({
      messages: [
        { role: "user", content: "first question" },
        { role: "assistant", content: "first answer" },
      ],
    });

    const next = await collect(backend.continue(after(run, first), user("second question"), never()));
    expect(types(next)).toEqual(["agent_message", "usage", "run_completed"]);
    expect(last(next)?.data.final_response).toBe("second answer");
    const sent = await requestsFor(model);
    expect(sentMessages(sent[1])).toEqual([
      { role: "system", content: "system prompt" },
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: "second question" },
    ]);
    expect((next.checkpoint as { messages: unknown[] }).messages).toHaveLength(4);
  });

  it("starts a resumed session's run from the copied checkpoint and ignores a malformed one", async () => {
    const model = uniqueModel();
    const checkpoint = {
      messages: [
        { role: "user", content: "earlier" },
        { role: "assistant", content: "before" },
      ],
    };
    await collect(backend.start(chatRun(model, "later", { checkpoint }), never()));
    await collect(backend.start(chatRun(model, "fresh", { checkpoint: { messages: "nope" } }), never()));
    const sent = await requestsFor(model);
    expect(sentMessages(sent[0])).toEqual([...checkpoint.messages, { role: "user", content: "later" }]);
    expect(sentMessages(sent[1])).toEqual([{ role: "user", content: "fresh" }]);
  });

  it("recovers nothing after a finished turn and fails an interrupted one", async () => {
    const finished = {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "a" },
      ],
    };
    const open = { messages: [{ role: "user", content: "q" }] };
    const run = chatRun(uniqueModel(), "q");
    expect((await collect(backend.recover({ ...run, checkpoint: finished }, never()))).outputs).toEqual([]);
    for (const checkpoint of [open, undefined]) {
      const c = await collect(backend.recover({ ...run, checkpoint }, never()));
      expect(types(c)).toEqual(["run_failed"]);
      expect(errorOf(c)).toEqual({
        code: "backend_failed",
        message: "the model stream was interrupted and cannot be resumed",
      });
    }
    await expect(backend.cancel(run)).resolves.toBeUndefined();
  });
});

describe("openai_compatible: failures", () => {
  it.each([401, 404, 429, 500])("fails on HTTP %i, naming the status and the host", async (status) => {
    const model = uniqueModel();
    await script(model, [{ status, error: `scripted failure ${status}` }]);
    const c = await collect(backend.start(chatRun(model, "fail"), never()));
    expect(types(c)).toEqual(["run_started", "run_failed"]);
    expect(errorOf(c).code).toBe("backend_failed");
    expect(errorOf(c).message).toContain(`HTTP ${status}`);
    expect(errorOf(c).message).toContain(fakeHost());
    expect(errorOf(c).message).toContain(`scripted failure ${status}`);
  });

  it("fails an unreachable endpoint, naming its host", async () => {
    const run = chatRun(uniqueModel(), "anyone?", {
      config: { base_url: "http://127.0.0.1:9/v1", model: "m" },
    });
    const c = await collect(backend.start(run, never()));
    expect(types(c)).toEqual(["run_started", "run_failed"]);
    expect(errorOf(c).code).toBe("backend_failed");
    expect(errorOf(c).message).toContain("openai_compatible endpoint 127.0.0.1:9: the request failed");
  });

  it("fails a stream that breaks off, or reports an error, before the answer is complete", async () => {
    const model = uniqueModel();
    await script(model, [
      { text: "a long answer cut short", chunks: 6, intervalMs: 20, dropAfter: 3 },
      { text: "partial", error: "the GPU caught fire" },
    ]);
    const cut = await collect(backend.start(chatRun(model, "cut"), never()));
    expect(types(cut).at(-1)).toBe("run_failed");
    expect(types(cut)).not.toContain("run_completed");
    expect(errorOf(cut).message).toContain(fakeHost());
    const reported = await collect(backend.start(chatRun(model, "error"), never()));
    expect(errorOf(reported).message).toContain("the GPU caught fire");
  });

  it("fails a run whose stored config no longer validates", async () => {
    const c = await collect(
      backend.start(chatRun("m", "x", { config: { base_url: "ftp://x", model: "m" } }), never()),
    );
    expect(types(c)).toEqual(["run_failed"]);
    expect(errorOf(c).code).toBe("backend_failed");
  });
});

describe("openai_compatible: abort", () => {
  it("aborting mid-stream ends the stream without a terminal event and aborts the request", async () => {
    const model = uniqueModel();
    await script(model, [{ text: "tick ".repeat(200), chunks: 200, intervalMs: 20 }]);
    const stop = new AbortController();
    const live = consume(backend.start(chatRun(model, "long"), stop.signal));
    await live.until((c) => messages(c).length >= 1);
    stop.abort();
    const c = await live.done;
    expect(types(c)).not.toContain("run_completed");
    expect(types(c)).not.toContain("run_failed");
    expect(messages(c).every((e) => e.data.partial === true)).toBe(true);
    // The fake notices the closed connection on its own schedule; wait for it, bounded.
    let aborted = false;
    for (let i = 0; i < 100 && !aborted; i++) {
      aborted = (await requestsFor(model))[0]?.aborted === true;
      if (!aborted) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(aborted).toBe(true);
  });
});

describe("openai_compatible: secrets and text integrity", () => {
  it("sends api_key and headers but never outputs them, even when the server echoes them", async () => {
    const model = uniqueModel();
    const key = `sk-${crypto.randomUUID()}`;
    const header = `hdr-${crypto.randomUUID()}`;
    const secrets = { api_key: key, headers: { "X-Org-Token": header } };
    await script(model, [
      { text: "fine" },
      { status: 401, error: `Incorrect API key provided: ${key} (${header})` },
    ]);
    const ok = await collect(backend.start(chatRun(model, "hello", { secrets }), never()));
    const refused = await collect(backend.start(chatRun(model, "again", { secrets }), never()));
    const down = await collect(
      backend.start(
        chatRun(model, "down", { secrets, config: { base_url: "http://127.0.0.1:9/v1", model } }),
        never(),
      ),
    );
    const [sent] = await requestsFor(model);
    expect(sent?.headers.authorization).toBe(`Bearer ${key}`);
    expect(sent?.headers["x-org-token"]).toBe(header);
    expect(types(ok).at(-1)).toBe("run_completed");
    expect(errorOf(refused).message).toContain("[redacted]");
    for (const c of [ok, refused, down]) {
      const text = JSON.stringify(c.outputs);
      expect(text).not.toContain(key);
      expect(text).not.toContain(header);
    }
  });

  it("keeps multi-byte UTF-8 intact when the body arrives one byte at a time", async () => {
    const model = uniqueModel();
    const answer = "héllo wörld — 日本語のテキスト, emoji 😀🎉👩‍💻, ελληνικά, עברית. ".repeat(20);
    await script(model, [{ text: answer, chunks: 97 }]);
    const byteByByte: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const bytes = new Uint8Array(await res.arrayBuffer());
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i < bytes.length) controller.enqueue(bytes.slice(i, ++i));
          else controller.close();
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const c = await collect(
      createOpenAiCompatibleBackend({ fetch: byteByByte }).start(chatRun(model, "unicode"), never()),
    );
    expect(last(c)?.data.final_response).toBe(answer);
    expect(messages(c).at(-1)?.data.text).toBe(answer);
  });
});
