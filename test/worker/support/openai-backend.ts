// Helpers for driving the openai_compatible backend inside workerd against the fake OpenAI chat
// server (test/fixtures/fake-openai-chat.ts), reached over HTTP through the TEST_FAKE_OPENAI binding.
// Each test scripts turns under its own model name, so tests never take each other's turns.
import { env } from "cloudflare:test";
import type { BackendRun } from "../../../shared/backends/backend.ts";
import type { ChatTurn, RecordedChatRequest } from "../../fixtures/fake-openai-chat.ts";

/** Root URL of the fake; the API's base_url is `<root>/v1`. */
export const fakeRoot = (): string => (env as unknown as { TEST_FAKE_OPENAI: string }).TEST_FAKE_OPENAI;

/** A model name no other test uses. */
export const uniqueModel = (): string => `model-${crypto.randomUUID().slice(0, 8)}`;

/** Queues `turns` for requests naming `model`. */
export async function script(model: string, turns: ChatTurn[]): Promise<void> {
  const res = await fetch(`${fakeRoot()}/__script`, {
    method: "POST",
    body: JSON.stringify({ model, turns }),
  });
  if (!res.ok) throw new Error(`scripting the fake failed: HTTP ${res.status} ${await res.text()}`);
}

/** The requests naming `model` that the fake has seen. */
export async function requestsFor(model: string): Promise<RecordedChatRequest[]> {
  const res = await fetch(`${fakeRoot()}/__requests?model=${encodeURIComponent(model)}`);
  return (await res.json()) as RecordedChatRequest[];
}

/** A run asking `model` on the fake with `prompt`. */
export function chatRun(model: string, prompt: string, extra: Partial<BackendRun> = {}): BackendRun {
  return {
    runId: crypto.randomUUID(),
    message: { role: "user", parts: [{ kind: "text", text: prompt }] },
    config: { base_url: `${fakeRoot()}/v1`, model },
    secrets: {},
    ref: {},
    ...extra,
  };
}

/** The `messages` a recorded request sent. */
export const sentMessages = (request: RecordedChatRequest | undefined): unknown =>
  (request?.body as { messages?: unknown } | undefined)?.messages;
