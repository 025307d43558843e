// Reads a streamed chat completion: body bytes → SSE data → zod-checked chunks, and wakes the
// caller when its coalescing deadline passes while the model is silent. Malformed data throws, as
// does a broken connection; the caller turns both into run_failed.
import { SseDecoder } from "./sse.ts";
import { ChatChunkSchema, type ChatChunk } from "./wire.ts";

export type StreamStep = { kind: "chunk"; chunk: ChatChunk } | { kind: "due" } | { kind: "done" };

const DUE = Symbol("due");

/** `p`, or DUE once `ms` pass first. */
function beforeDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof DUE> {
  if (ms === Infinity) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const due = new Promise<typeof DUE>((resolve) => {
    timer = setTimeout(() => resolve(DUE), ms);
  });
  return Promise.race([p, due]).finally(() => clearTimeout(timer));
}

function parseChunk(data: string, n: number): ChatChunk {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new Error(`stream chunk ${n} is not JSON`);
  }
  const parsed = ChatChunkSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `stream chunk ${n} is not a chat completion chunk (${issue?.path.join(".")}: ${issue?.message})`,
  );
}

/**
 * Yields every chunk in order, `due` whenever `dueInMs()` elapses before more data arrives, and
 * `done` at `data: [DONE]`. A body that ends without `[DONE]` simply ends the steps.
 */
export async function* readChatStream(
  body: ReadableStream<Uint8Array>,
  dueInMs: () => number,
): AsyncGenerator<StreamStep> {
  const reader = body.getReader();
  const sse = new SseDecoder();
  let read: ReturnType<typeof reader.read> | undefined;
  let n = 0;
  try {
    for (;;) {
      // A read outlives a deadline: the next loop waits on the same one.
      read ??= reader.read();
      const step = await beforeDeadline(read, dueInMs());
      if (step === DUE) {
        yield { kind: "due" };
        continue;
      }
      read = undefined;
      for (const data of step.done ? sse.end() : sse.push(step.value)) {
        if (data.trim() === "[DONE]") {
          yield { kind: "done" };
          return;
        }
        yield { kind: "chunk", chunk: parseChunk(data, ++n) };
      }
      if (step.done) return;
    }
  } finally {
    // The caller may stop early (abort, [DONE]): a read still in flight then fails unobserved, and
    // cancelling a body that already failed rejects; neither leaves anything to handle.
    read?.catch(() => undefined);
    reader.cancel().catch(() => undefined);
  }
}
