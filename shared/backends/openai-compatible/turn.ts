// One chat turn against an OpenAI-compatible endpoint: POST /chat/completions (streaming), deltas
// coalesced into agent_message partials, then the whole answer, usage, the conversation checkpoint
// and run_completed. Failures become run_failed; an aborted signal ends the turn without a word.
import { emit, runFailed, type BackendOutput } from "../backend.ts";
import { MessageCoalescer } from "./coalesce.ts";
import { describeError, redactError } from "../error-text.ts";
import { readChatStream } from "./stream.ts";
import {
  ChatCompletionSchema,
  ErrorBodySchema,
  fitConversation,
  parseStructured,
  toRequestBody,
  toUsage,
  type ChatMessage,
  type WireUsage,
} from "./wire.ts";

/** Where and how to ask; built from the run's validated backend_config. */
export interface Endpoint {
  /** `<base_url>/chat/completions`. */
  url: string;
  /** Host (and port) of base_url: the only part of the URL that messages show. */
  host: string;
  model: string;
  temperature: number | undefined;
  maxTokens: number | undefined;
  /** Secret request headers, `Authorization` included. */
  headers: Record<string, string>;
  /** Values to redact from any text that leaves the backend. */
  secretValues: string[];
}

/** One chat request of a run: where, what conversation, how to fetch, when to stop. */
export interface ChatTurn {
  endpoint: Endpoint;
  system: string | undefined;
  /** The conversation, ending with the new user message; already within MAX_CONVERSATION_BYTES. */
  messages: ChatMessage[];
  outputSchema: Record<string, unknown> | undefined;
  fetch: typeof fetch;
  signal: AbortSignal;
  /** Clock in ms, for coalescing and the turn's duration. */
  now: () => number;
}

interface Answer {
  text: string;
  model: string | undefined;
  usage: WireUsage | undefined;
  finishReason: string | undefined;
  /** False when the stream ended without `[DONE]` or a finish reason: the answer was cut off. */
  complete: boolean;
}

export async function* runTurn(t: ChatTurn): AsyncGenerator<BackendOutput> {
  const { endpoint: e, signal } = t;
  const where = `openai_compatible endpoint ${e.host}`;
  const failedAt = (step: "request" | "response", error: unknown) =>
    runFailed("backend_failed", `${where}: the ${step} failed: ${describeError(error, e.secretValues)}`);
  const started = t.now();
  // Stored before asking: a conversation that ends on the user's message tells `recover` a turn was open.
  yield { kind: "checkpoint", state: { messages: t.messages } };
  const headers = new Headers(e.headers);
  headers.set("content-type", "application/json");
  headers.set("accept", "text/event-stream, application/json");
  const body = toRequestBody({
    model: e.model,
    temperature: e.temperature,
    maxTokens: e.maxTokens,
    system: t.system,
    messages: t.messages,
    outputSchema: t.outputSchema,
  });
  let res: Response;
  try {
    res = await t.fetch(e.url, { method: "POST", headers, body: JSON.stringify(body), signal });
  } catch (error) {
    if (!signal.aborted) yield failedAt("request", error);
    return;
  }
  if (!res.ok) {
    const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
    yield runFailed("backend_failed", `${where} answered ${status}${await errorDetail(res, e.secretValues)}`);
    return;
  }
  let answer: Answer;
  try {
    const json = res.headers.get("content-type")?.includes("application/json");
    answer = json || !res.body ? await wholeAnswer(res) : yield* streamedAnswer(res.body, t.now);
  } catch (error) {
    if (!signal.aborted) yield failedAt("response", error);
    return;
  }
  if (signal.aborted) return;
  if (!answer.complete) {
    yield runFailed("backend_failed", `${where}: the model stream ended before the answer was complete`);
    return;
  }
  const model = answer.model ?? e.model;
  if (answer.text) yield emit("agent_message", { text: answer.text, partial: false });
  const promptChars = t.messages.reduce(
    (n, m) => n + (typeof m.content === "string" ? m.content.length : 0),
    0,
  );
  yield emit(
    "usage",
    toUsage(answer.usage, t.now() - started, model, { promptChars, answerChars: answer.text.length }),
  );
  const conversation = fitConversation([...t.messages, { role: "assistant", content: answer.text }]);
  yield { kind: "checkpoint", state: { messages: conversation } };
  yield emit("run_completed", completion(answer, t.outputSchema));
}

/** Streams partials while collecting the answer. */
async function* streamedAnswer(
  body: ReadableStream<Uint8Array>,
  now: () => number,
): AsyncGenerator<BackendOutput, Answer> {
  const coalescer = new MessageCoalescer(now);
  const a: Answer = {
    text: "",
    model: undefined,
    usage: undefined,
    finishReason: undefined,
    complete: false,
  };
  for await (const step of readChatStream(body, () => coalescer.dueInMs())) {
    if (step.kind === "done") {
      a.complete = true;
      break;
    }
    let partial = step.kind === "due" ? coalescer.flush() : undefined;
    if (step.kind === "chunk") {
      const { chunk } = step;
      if (chunk.error) {
        const reported = typeof chunk.error === "string" ? chunk.error : chunk.error.message;
        throw new Error(`the model reported: ${reported ?? "an error"}`);
      }
      a.model = chunk.model ?? a.model;
      a.usage = chunk.usage ?? a.usage;
      const choice = chunk.choices?.[0];
      a.finishReason = choice?.finish_reason ?? a.finishReason;
      partial = coalescer.add(choice?.delta?.content ?? "");
    }
    if (partial) yield emit("agent_message", { text: partial.text, partial: true, index: partial.index });
  }
  a.text = coalescer.text;
  a.complete ||= a.finishReason !== undefined;
  return a;
}

/** For servers that answer with one JSON completion despite `stream: true`. */
async function wholeAnswer(res: Response): Promise<Answer> {
  const parsed = ChatCompletionSchema.safeParse(await res.json());
  if (!parsed.success) throw new Error("the JSON response is not a chat completion");
  const choice = parsed.data.choices?.[0];
  return {
    text: choice?.message?.content ?? "",
    model: parsed.data.model ?? undefined,
    usage: parsed.data.usage ?? undefined,
    finishReason: choice?.finish_reason ?? undefined,
    complete: true,
  };
}

function completion(a: Answer, outputSchema: Record<string, unknown> | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = { final_response: a.text };
  if (a.finishReason) data.finish_reason = a.finishReason;
  if (!outputSchema) return data;
  const structured = parseStructured(a.text);
  if ("value" in structured) data.structured_output = structured.value;
  else data.structured_output_error = structured.error;
  return data;
}

/** The server's own error message, when it sent one, as `: <message>`. */
async function errorDetail(res: Response, secrets: readonly string[]): Promise<string> {
  const text = await res.text().catch(() => "");
  let message = text;
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      const { error } = parsed.data;
      message = typeof error === "string" ? error : error.message;
    }
  } catch {
    // Not JSON (a proxy's HTML page, plain text): the text itself is the detail.
  }
  // Redacted before whitespace is collapsed: a secret is matched as it was given.
  const detail = redactError(message, secrets).replace(/\s+/g, " ").trim().slice(0, 300);
  return detail ? `: ${detail}` : "";
}
