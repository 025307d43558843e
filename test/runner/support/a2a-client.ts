// The @a2a-js/sdk client as the serve-a2a suites drive a served agent: connecting with its bearer
// token, building user messages, and reading a streamed send as flat items.
import { randomUUID } from "node:crypto";
import { Role, type Message, type StreamResponse, type TaskState } from "@a2a-js/sdk";
import {
  ClientFactory,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  type Client,
} from "@a2a-js/sdk/client";

export async function connect(agentUrl: string, token: string): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("Authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const resolver = new DefaultAgentCardResolver({ fetchImpl });
  const factory = new ClientFactory({
    transports: [new JsonRpcTransportFactory({ fetchImpl })],
    cardResolver: resolver,
  });
  return factory.createFromUrl(agentUrl);
}

export function userMessage(
  text: string,
  ids: { contextId?: string; taskId?: string } = {},
  metadata?: Record<string, unknown>,
): Message {
  return {
    messageId: randomUUID(),
    contextId: ids.contextId ?? "",
    taskId: ids.taskId ?? "",
    role: Role.ROLE_USER,
    parts: [
      { content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "text/plain" },
    ],
    metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** Every streamed item of one send, as `{kind, state?, text?, data?}`. */
export async function stream(client: Client, message: Message) {
  const items: {
    kind: string;
    state?: TaskState;
    text: string;
    data: unknown[];
    taskId: string;
    contextId: string;
    metadata?: Record<string, unknown>;
  }[] = [];
  for await (const response of client.sendMessageStream({
    tenant: "",
    message,
    configuration: undefined,
    metadata: undefined,
  })) {
    items.push(itemOf(response));
  }
  return items;
}

export function itemOf(response: StreamResponse) {
  const payload = response.payload!;
  const status =
    payload.$case === "task"
      ? payload.value.status
      : payload.$case === "statusUpdate"
        ? payload.value.status
        : undefined;
  const parts = status?.message?.parts ?? [];
  return {
    kind: payload.$case,
    state: status?.state,
    text: parts.flatMap((p) => (p.content?.$case === "text" ? [p.content.value] : [])).join("\n"),
    data: parts.flatMap((p) => (p.content?.$case === "data" ? [p.content.value] : [])),
    taskId:
      payload.$case === "task"
        ? payload.value.id
        : "taskId" in payload.value
          ? String(payload.value.taskId)
          : "",
    contextId: "contextId" in payload.value ? String(payload.value.contextId) : "",
    metadata: status?.message?.metadata,
  };
}

/** The last item of a send: its final status. */
export const finalOf = (items: Awaited<ReturnType<typeof stream>>) => items.at(-1)!;
