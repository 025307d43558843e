// Pure parts of the openai_compatible backend: SSE decoding across arbitrary byte splits, delta
// coalescing on an injected clock, chunk reading, wire helpers and the backend_config schema.
import { describe, expect, it } from "vitest";
import { OpenAiCompatibleConfigSchema } from "../../shared/backends/openai-compatible.ts";
import {
  COALESCE_CHARS,
  COALESCE_MS,
  MessageCoalescer,
} from "../../shared/backends/openai-compatible/coalesce.ts";
import { SseDecoder } from "../../shared/backends/openai-compatible/sse.ts";
import { readChatStream, type StreamStep } from "../../shared/backends/openai-compatible/stream.ts";
import {
  conversationOf,
  fitConversation,
  MAX_CONVERSATION_BYTES,
  parseStructured,
  toRequestBody,
  toUsage,
} from "../../shared/backends/openai-compatible/wire.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Decodes `bytes` delivered as the given consecutive slices. */
function decodeSlices(bytes: Uint8Array, cuts: number[]): string[] {
  const sse = new SseDecoder();
  const out: string[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...sse.push(bytes.slice(from, cut)));
    from = cut;
  }
  return [...out, ...sse.end()];
}

describe("SseDecoder", () => {
  const payloads = ['{"text":"héllo 日本 😀"}', '{"text":"ελληνικά"}', "[DONE]"];
  const wire = utf8(payloads.map((p) => `data: ${p}\n\n`).join(""));

  it("returns the data of every event, whatever the split (every cut point, one byte at a time)", () => {
    for (let cut = 0; cut <= wire.length; cut++) expect(decodeSlices(wire, [cut])).toEqual(payloads);
    const everyByte = Array.from({ length: wire.length }, (_, i) => i);
    expect(decodeSlices(wire, everyByte)).toEqual(payloads);
  });

  it("accepts CRLF and CR line ends, also when CR and LF arrive in separate chunks", () => {
    const crlf = utf8("data: a\r\n\r\ndata: b\r\r");
    expect(decodeSlices(crlf, [])).toEqual(["a", "b"]);
    for (let cut = 0; cut <= crlf.length; cut++) expect(decodeSlices(crlf, [cut])).toEqual(["a", "b"]);
  });

  it("joins multi-line data, skips comments and other fields, and takes `data:` without a space", () => {
    const text = ": keep-alive\nevent: chunk\nid: 7\nretry: 10\ndata:one\ndata: two\n\n: ping\n\n";
    expect(decodeSlices(utf8(text), [])).toEqual(["one\ntwo"]);
  });

  it("dispatches an empty data line as an empty payload and nothing for an event without data", () => {
    expect(decodeSlices(utf8("data:\n\nevent: x\n\n"), [])).toEqual([""]);
  });

  it("still counts a last event whose closing blank line never came", () => {
    expect(decodeSlices(utf8('data: {"a":1}\n\ndata: [DONE]'), [])).toEqual(['{"a":1}', "[DONE]"]);
  });

  it("drops a leading byte order mark", () => {
    expect(decodeSlices(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("data: x\n\n")]), [1])).toEqual(["x"]);
  });
});

describe("MessageCoalescer", () => {
  const clock = () => {
    let t = 1_000;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };

  it("holds small deltas until COALESCE_MS have passed since the previous partial", () => {
    const c = clock();
    const co = new MessageCoalescer(c.now);
    expect(co.dueInMs()).toBe(Infinity);
    expect(co.add("a")).toBeUndefined();
    c.advance(100);
    expect(co.add("b")).toBeUndefined();
    expect(co.dueInMs()).toBe(COALESCE_MS - 100);
    c.advance(COALESCE_MS - 100);
    expect(co.add("c")).toEqual({ text: "abc", index: 0 });
    expect(co.dueInMs()).toBe(Infinity);
    expect(co.add("d")).toBeUndefined();
    c.advance(COALESCE_MS);
    expect(co.dueInMs()).toBe(0);
    expect(co.flush()).toEqual({ text: "d", index: 1 });
    expect(co.flush()).toBeUndefined();
    expect(co.text).toBe("abcd");
  });

  it("sends COALESCE_CHARS of waiting text at once, without waiting for the clock", () => {
    const co = new MessageCoalescer(clock().now);
    const deltas = Array.from({ length: 10_000 }, (_, i) => `t${i % 10} `);
    const partials = deltas.map((d) => co.add(d)).filter((p) => p !== undefined);
    const total = deltas.join("").length;
    expect(partials).toHaveLength(Math.floor(total / COALESCE_CHARS));
    expect(partials.map((p) => p.index)).toEqual(partials.map((_, i) => i));
    expect(partials.every((p) => p.text.length >= COALESCE_CHARS && p.text.length < COALESCE_CHARS + 3)).toBe(
      true,
    );
    expect(co.text).toBe(deltas.join(""));
    expect(co.add("")).toBeUndefined();
  });
});

describe("readChatStream", () => {
  /** A body that hands out `parts` one by one, each only when `gate` lets it. */
  function body(parts: string[], gate: () => Promise<void> = () => Promise.resolve()) {
    let i = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        await gate();
        const part = parts[i++];
        if (part === undefined) controller.close();
        else controller.enqueue(utf8(part));
      },
    });
  }
  const collect = async (steps: AsyncIterable<StreamStep>) => {
    const out: StreamStep[] = [];
    for await (const step of steps) out.push(step);
    return out;
  };

  it("yields zod-checked chunks in order and stops at [DONE]", async () => {
    const parts = [
      'data: {"choices":[{"delta":{"content":"he',
      'y"}}],"extra":1}\n\ndata: [DONE]\n\n',
      "data: {}\n\n",
    ];
    const steps = await collect(readChatStream(body(parts), () => Infinity));
    expect(steps.map((s) => s.kind)).toEqual(["chunk", "done"]);
    expect(steps[0]).toMatchObject({ chunk: { choices: [{ delta: { content: "hey" } }] } });
  });

  it("ends without `done` when the body ends without [DONE]", async () => {
    const steps = await collect(readChatStream(body(['data: {"choices":[]}\n\n']), () => Infinity));
    expect(steps.map((s) => s.kind)).toEqual(["chunk"]);
  });

  it("wakes the caller with `due` while the model is silent, then goes on with the same read", async () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    let dues = 0;
    const steps = readChatStream(
      body(['data: {"model":"m"}\n\n'], () => opened),
      () => (dues > 0 ? Infinity : 0),
    );
    const first = await steps.next();
    expect(first.value).toEqual({ kind: "due" });
    dues++;
    open();
    expect((await collect(steps)).map((s) => s.kind)).toEqual(["chunk"]);
  });

  it("throws on data that is not JSON or not a chat completion chunk", async () => {
    await expect(collect(readChatStream(body(["data: nope\n\n"]), () => Infinity))).rejects.toThrow(
      "stream chunk 1 is not JSON",
    );
    await expect(
      collect(readChatStream(body(['data: {"choices":"x"}\n\n']), () => Infinity)),
    ).rejects.toThrow("stream chunk 1 is not a chat completion chunk");
  });
});

describe("wire helpers", () => {
  it("builds the streaming request with the system prompt first and optional settings", () => {
    const messages = [{ role: "user" as const, content: "hi" }];
    const body = toRequestBody({
      model: "m",
      temperature: 0.2,
      maxTokens: 64,
      system: "sys",
      messages,
      outputSchema: undefined,
    });
    expect(body).toEqual({
      model: "m",
      messages: [{ role: "system", content: "sys" }, ...messages],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 64,
    });
  });

  it("normalizes usage; with none reported, estimates it from text length and says so", () => {
    const wire = {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: null,
    };
    const sizes = { promptChars: 40, answerChars: 9 };
    expect(toUsage(wire, 12, "m", sizes)).toEqual({
      input_tokens: 10,
      cached_input_tokens: 4,
      output_tokens: 5,
      reasoning_tokens: 0,
      total_tokens: 15,
      duration_ms: 12,
      model: "m",
      usage_source: "observed",
    });
    expect(toUsage(undefined, 3, "m", sizes)).toMatchObject({
      input_tokens: 10,
      output_tokens: 3,
      duration_ms: 3,
      usage_source: "estimated",
    });
  });

  it("parses structured output, also from a ``` fence, and explains what is not JSON", () => {
    expect(parseStructured(' {"a": [1]} ')).toEqual({ value: { a: [1] } });
    expect(parseStructured('```json\n{"a": 2}\n```')).toEqual({ value: { a: 2 } });
    expect(parseStructured("sure! here it is")).toMatchObject({ error: expect.stringContaining("not JSON") });
  });

  it("reads the conversation from a checkpoint and ignores a malformed one", () => {
    const messages = [{ role: "user", content: "q" }];
    expect(conversationOf({ messages })).toEqual(messages);
    for (const bad of [undefined, null, "x", { messages: [{ role: "tool", content: "q" }] }]) {
      expect(conversationOf(bad)).toEqual([]);
    }
  });
});

describe("fitConversation", () => {
  const big = (n: number) => "é".repeat(n); // 2 UTF-8 bytes per character
  const user = (content: string) => ({ role: "user" as const, content });
  const assistant = (content: string) => ({ role: "assistant" as const, content });

  it("keeps a conversation within the limit as it is", () => {
    const messages = [user("q1"), assistant("a1"), user("q2")];
    expect(fitConversation(messages)).toEqual(messages);
  });

  it("drops the oldest messages first and starts the kept part with a user message", () => {
    const third = MAX_CONVERSATION_BYTES / 2 / 3;
    const messages = [
      user(big(third)),
      assistant(big(third)),
      user(big(third)),
      assistant(big(third)),
      user("q"),
    ];
    const kept = fitConversation(messages);
    expect(kept[0]?.role).toBe("user");
    expect(kept).toEqual(messages.slice(2));
  });

  it("cuts a single message that is too big alone, keeping whole characters", () => {
    const kept = fitConversation([assistant("x"), user("😀".repeat(MAX_CONVERSATION_BYTES))]);
    expect(kept).toHaveLength(1);
    const content = kept[0]?.content ?? "";
    expect(new TextEncoder().encode(content).length).toBeLessThanOrEqual(MAX_CONVERSATION_BYTES + 32);
    expect(content.endsWith("[… truncated]")).toBe(true);
    expect(content).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe("OpenAiCompatibleConfigSchema", () => {
  const valid = { base_url: "http://127.0.0.1:11434/v1", model: "llama3" };

  it("accepts a full config, runner keys included", () => {
    const full = {
      ...valid,
      api_key: "sk-x",
      temperature: 2,
      max_tokens: 100,
      headers: { "X-Org": "o" },
      runner: "laptop",
      runner_labels: { gpu: "yes" },
    };
    expect(OpenAiCompatibleConfigSchema.parse(full)).toEqual(full);
  });

  it.each([
    ["a non-http URL", { ...valid, base_url: "ftp://host/v1" }, "base_url"],
    ["credentials in the URL", { ...valid, base_url: "https://u:p@host/v1" }, "base_url"],
    ["a missing model", { base_url: valid.base_url }, "model"],
    ["temperature above 2", { ...valid, temperature: 2.5 }, "temperature"],
    ["max_tokens of 0", { ...valid, max_tokens: 0 }, "max_tokens"],
    ["a header value with a line break", { ...valid, headers: { "X-A": "a\nb" } }, "headers"],
    ["an unknown key", { ...valid, top_k: 3 }, ""],
  ])("refuses %s", (_, config, field) => {
    const result = OpenAiCompatibleConfigSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(String(result.error?.issues[0]?.path[0] ?? "")).toBe(field);
  });
});
