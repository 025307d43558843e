// The remote_a2a backend driven directly, inside workerd, against real A2A agents (one per
// scenario, test/fixtures/a2a-agents.ts). Asserts event types, counts, order and codes.
import { describe, expect, it } from "vitest";
import { createRemoteA2aBackend } from "../../worker/backends/remote-a2a.ts";
import {
  a2aRun,
  a2aUrls,
  after,
  collect,
  collectPolled,
  consume,
  received,
  texts,
  types,
} from "./support/a2a-backend.ts";

const backend = createRemoteA2aBackend();
const tag = () => crypto.randomUUID().slice(0, 8);
const never = () => new AbortController().signal;

/** A body that delivers the first chunk of `body`, then fails like a dropped connection. */
function cutAfterFirstChunk(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      controller.enqueue(value);
      await reader.cancel();
      controller.error(new Error("simulated drop"));
    },
  });
}

describe("remote_a2a against a streaming agent", () => {
  it("emits every agent message once and in order, then completes with structured output and usage", async () => {
    const c = await collect(backend.start(a2aRun("streaming", `hello ${tag()}`), never()));
    expect(types(c)[0]).toBe("run_started");
    expect(texts(c)).toEqual(["step 1", "step 2", "step 3", "final answer"]);
    expect(c.events.filter((e) => e.type === "artifact_added")).toHaveLength(1);
    expect(c.events.find((e) => e.type === "artifact_added")?.data).toMatchObject({
      artifact_id: "report",
      text: "artifact body",
    });
    expect(types(c).slice(-2)).toEqual(["usage", "run_completed"]);
    expect(c.events.find((e) => e.type === "usage")?.data).toMatchObject({
      input_tokens: 11,
      output_tokens: 7,
    });
    expect(c.events.at(-1)?.data).toEqual({
      final_response: "final answer",
      structured_output: { answer: 42 },
    });
    expect(Object.keys(c.ref).sort()).toEqual(["agent_url", "context_id", "task_id"]);
    expect(c.outputs.filter((o) => o.kind === "checkpoint").length).toBeGreaterThan(0);
  });

  it("treats a bare message reply as the whole answer", async () => {
    const c = await collect(backend.start(a2aRun("streaming", `reply with a message ${tag()}`), never()));
    expect(types(c)).toEqual(["run_started", "agent_message", "run_completed"]);
    expect(c.ref.task_id).toBeUndefined();
  });

  it("continues the session's A2A context on resume", async () => {
    const first = await collect(backend.start(a2aRun("streaming", `first ${tag()}`), never()));
    const prompt = `resumed ${tag()}`;
    const run = a2aRun("streaming", prompt, { sessionRef: first.ref });
    const c = await collect(backend.start(run, never()));
    expect(types(c).at(-1)).toBe("run_completed");
    const sent = (await received("streaming")).messages.find((m) => m.text === prompt);
    expect(sent?.contextId).toBe(first.ref.context_id);
    expect(sent?.taskId).toBeNull();
  });
});

describe("remote_a2a against an agent without streaming", () => {
  it("sends, then follows the task with tasks/get — polled on the object's alarm — until it completes", async () => {
    const run = a2aRun("nonStreaming", `poll ${tag()}`);
    const c = await collectPolled(backend, run, backend.start(run, never()));
    // The task was still working after the send: the stream ended asking to be polled later.
    expect(c.polls).toBeGreaterThan(0);
    expect(texts(c)).toEqual(["thinking", "non-streaming done"]);
    expect(types(c).at(-1)).toBe("run_completed");
    expect(c.events.at(-1)?.data.structured_output).toEqual({ answer: "ok" });
    const methods = (await received("nonStreaming")).calls.map((call) => call.method);
    expect(methods).toContain("GetTask");
    expect(methods).not.toContain("SendStreamingMessage");
  });
});

describe("remote_a2a interruptions", () => {
  it("stops at input-required and continues the same task and context", async () => {
    const run = a2aRun("inputRequired", `name please ${tag()}`);
    const first = await collect(backend.start(run, never()));
    expect(types(first).at(-1)).toBe("input_required");
    expect(first.events.at(-1)?.data.message).toBe("What is your name?");
    expect(types(first)).not.toContain("run_completed");

    const answer = `Ada ${tag()}`;
    const next = await collect(
      backend.continue(after(run, first), { role: "user", parts: [{ kind: "text", text: answer }] }, never()),
    );
    expect(texts(next)).toEqual([`Hello, ${answer}`]);
    expect(types(next).at(-1)).toBe("run_completed");
    expect(next.events.at(-1)?.data.structured_output).toEqual({ answer });
    const sent = (await received("inputRequired")).messages.find((m) => m.text === answer);
    expect(sent).toMatchObject({ taskId: first.ref.task_id, contextId: first.ref.context_id });
  });

  it("stops at auth-required and completes after the follow-up", async () => {
    const run = a2aRun("inputRequired", `needs auth ${tag()}`);
    const first = await collect(backend.start(run, never()));
    expect(types(first).at(-1)).toBe("auth_required");
    const next = await collect(
      backend.continue(
        after(run, first),
        { role: "user", parts: [{ kind: "text", text: `signed in ${tag()}` }] },
        never(),
      ),
    );
    expect(types(next).at(-1)).toBe("run_completed");
    expect(types(next)).not.toContain("auth_required");
  });

  it("fails a follow-up the agent refuses (its task already finished)", async () => {
    const run = a2aRun("streaming", `finished ${tag()}`);
    const first = await collect(backend.start(run, never()));
    const next = await collect(
      backend.continue(after(run, first), { role: "user", parts: [{ kind: "text", text: "more" }] }, never()),
    );
    expect(types(next)).toEqual(["run_failed"]);
    expect((next.events[0]?.data.error as { code: string }).code).toBe("backend_failed");
  });

  it("reports a rejection with the agent's reason", async () => {
    const c = await collect(backend.start(a2aRun("rejecting", `review ${tag()}`), never()));
    expect(types(c).at(-1)).toBe("rejected");
    expect(c.events.at(-1)?.data.reason).toBe("I only review Go code");
  });

  it("reports a failure as run_failed/backend_failed with the agent's reason", async () => {
    const c = await collect(backend.start(a2aRun("failing", `work ${tag()}`), never()));
    expect(types(c).at(-1)).toBe("run_failed");
    expect(c.events.at(-1)?.data.error).toEqual({
      code: "backend_failed",
      message: "tool crashed: disk full",
    });
  });
});

describe("remote_a2a cancel", () => {
  it("cancels the remote task; the stream ends without a terminal event", async () => {
    const run = a2aRun("slow", `long job ${tag()}`);
    const live = consume(backend.start(run, never()));
    await live.until((c) => texts(c).length >= 2);
    await backend.cancel(after(run, live.collected));
    const c = await live.done;
    expect(types(c)).not.toContain("run_completed");
    expect(types(c)).not.toContain("run_failed");
    expect((await received("slow")).cancels).toContain(c.ref.task_id);
    // Cancelling again, or cancelling a finished task, is not an error.
    await backend.cancel(after(run, c));
  });

  it("ignores cancel for a task that already completed", async () => {
    const run = a2aRun("streaming", `done already ${tag()}`);
    const c = await collect(backend.start(run, never()));
    await expect(backend.cancel(after(run, c))).resolves.toBeUndefined();
  });
});

describe("remote_a2a across dropped streams", () => {
  it("resumes a dropped stream and emits every update exactly once, in order", async () => {
    const c = await collect(backend.start(a2aRun("dropStream", `drop ${tag()}`), never()));
    expect(texts(c)).toEqual([...Array.from({ length: 8 }, (_, i) => `update ${i + 1}`), "drop done"]);
    expect(types(c).filter((t) => t === "run_completed")).toHaveLength(1);
    expect(c.events.at(-1)?.data.structured_output).toEqual({ answer: 8 });
    expect((await received("dropStream")).calls.map((call) => call.method)).toContain("GetTask");
  });

  it("recovers from a checkpoint after its follower was stopped (object restart)", async () => {
    const run = a2aRun("slow", `restart ${tag()}`);
    const stop = new AbortController();
    const before = consume(backend.start(run, stop.signal));
    await before.until((c) => texts(c).length >= 3);
    stop.abort();
    await before.done;
    expect(types(before.collected)).not.toContain("run_failed");

    const resumed = consume(backend.recover(after(run, before.collected), never()));
    const seen = () => [...texts(before.collected), ...texts(resumed.collected)];
    await resumed.until(() => seen().length >= 8);
    await backend.cancel(after(run, before.collected));
    await resumed.done;
    const ticks = seen().map((t) => Number(t.replace("tick ", "")));
    expect(ticks).toEqual(Array.from({ length: ticks.length }, (_, i) => i + 1));
    expect(types(resumed.collected)).not.toContain("run_started");
  });

  it("falls back to polling when the agent refuses to resubscribe", async () => {
    let dropped = false;
    const noResubscribe: typeof fetch = async (input, init) => {
      const method =
        typeof init?.body === "string" ? (JSON.parse(init.body) as { method?: string }).method : "";
      if (method === "SubscribeToTask") {
        const error = { code: -32601, message: "Method not found" };
        return Response.json({ jsonrpc: "2.0", id: JSON.parse(String(init?.body)).id, error });
      }
      const res = await fetch(input, init);
      if (dropped || !res.body || !res.headers.get("content-type")?.startsWith("text/event-stream"))
        return res;
      dropped = true;
      return new Response(cutAfterFirstChunk(res.body), res);
    };
    const polling = createRemoteA2aBackend({ fetch: noResubscribe });
    const run = a2aRun("dropStream", `poll ${tag()}`);
    const c = await collectPolled(polling, run, polling.start(run, never()));
    expect(c.polls).toBeGreaterThan(0);
    expect(texts(c)).toEqual([...Array.from({ length: 8 }, (_, i) => `update ${i + 1}`), "drop done"]);
    expect(types(c).at(-1)).toBe("run_completed");
  });

  it("gives up with run_failed after repeated failed re-attach attempts", async () => {
    // A network that delivers the first chunk of the stream, then fails every request.
    let down = false;
    const flaky: typeof fetch = async (input, init) => {
      if (down) throw new Error("simulated outage");
      const res = await fetch(input, init);
      if (!res.body || !res.headers.get("content-type")?.startsWith("text/event-stream")) return res;
      down = true;
      return new Response(cutAfterFirstChunk(res.body), res);
    };
    const run = a2aRun("slow", `outage ${tag()}`);
    const c = await collect(createRemoteA2aBackend({ fetch: flaky }).start(run, never()));
    expect(types(c).at(-1)).toBe("run_failed");
    const error = c.events.at(-1)?.data.error as { code: string; message: string };
    expect(error.code).toBe("backend_failed");
    expect(error.message).toContain(a2aUrls().slow);
    await backend.cancel(after(run, c));
  });
});

describe("remote_a2a against an A2A 0.3 agent", () => {
  it("streams, completes and speaks the 0.3 wire format", async () => {
    const c = await collect(backend.start(a2aRun("v03", `legacy ${tag()}`), never()));
    expect(texts(c)).toEqual(["v03 step 1", "v03 step 2", "v03 done"]);
    expect(c.events.at(-1)).toMatchObject({
      type: "run_completed",
      data: { structured_output: { answer: "v03" } },
    });
    const calls = (await received("v03")).calls;
    expect(calls.map((call) => call.method)).toContain("message/stream");
    expect(calls.every((call) => call.a2aVersion === "0.3")).toBe(true);
  });
});

describe("remote_a2a with large output", () => {
  it("passes a ~1 MB multi-byte answer, big data and a big artifact through intact", async () => {
    const c = await collect(backend.start(a2aRun("bigOutput", `big ${tag()}`), never()));
    const done = c.events.at(-1);
    expect(done?.type).toBe("run_completed");
    const answer = String(done?.data.final_response);
    expect(answer.split("\n").filter(Boolean)).toHaveLength(32_000);
    expect(new TextEncoder().encode(answer).length).toBeGreaterThan(1024 * 1024);
    expect((done?.data.structured_output as { rows: unknown[] }).rows).toHaveLength(2_000);
    const artifact = c.events.find((e) => e.type === "artifact_added");
    expect(String(artifact?.data.text).split("\n").filter(Boolean)).toHaveLength(4_000);
  });
});

describe("remote_a2a failures and secrets", () => {
  it("fails an unreachable agent with run_failed naming its URL", async () => {
    const c = await collect(backend.start(a2aRun("unreachable", `anyone ${tag()}`), never()));
    expect(types(c)).toEqual(["run_failed"]);
    const error = c.events[0]?.data.error as { code: string; message: string };
    expect(error.code).toBe("backend_failed");
    expect(error.message).toContain(a2aUrls().unreachable);
  });

  it("sends auth_token and headers to the agent but never outputs them", async () => {
    const token = `tok-${tag()}-secret`;
    const header = `hdr-${tag()}-secret`;
    const secrets = { auth_token: token, headers: { "X-Api-Key": header } };
    const prompt = `secret ${tag()}`;
    const c = await collect(backend.start(a2aRun("streaming", prompt, { secrets }), never()));
    expect(types(c).at(-1)).toBe("run_completed");
    const sent = (await received("streaming")).messages.find((m) => m.text === prompt);
    expect(sent?.authorization).toBe(`Bearer ${token}`);
    expect(sent?.headers["x-api-key"]).toBe(header);

    const failed = await collect(backend.start(a2aRun("unreachable", prompt, { secrets }), never()));
    const cancelError = await backend
      .cancel(a2aRun("unreachable", prompt, { secrets, ref: { task_id: "t-1" } }))
      .then(
        () => "",
        (e: Error) => e.message,
      );
    for (const text of [JSON.stringify(c.outputs), JSON.stringify(failed.outputs), cancelError]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(header);
    }
  });
});
