// The HTTP face of a served agent on node:http: the public agent card, and the JSON-RPC endpoint
// (bearer token required) handed to the SDK's transport handlers — A2A 1.0, or 0.3 when the request
// asks for it by its A2A-Version header or by sending none, as the SDK's own express handler routes.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  A2A_VERSION_HEADER,
  AGENT_CARD_PATH,
  formatSSEErrorEvent,
  formatSSEEvent,
  SSE_HEADERS,
  type AgentCard,
} from "@a2a-js/sdk";
import { A2A_LEGACY_PROTOCOL_VERSION } from "@a2a-js/sdk/compat/v0_3";
import { LegacyJsonRpcTransportHandler } from "@a2a-js/sdk/compat/v0_3/server";
import {
  defaultServerCallContextBuilder,
  JsonRpcTransportHandler,
  UnauthenticatedUser,
  validateVersion,
  type A2ARequestHandler,
} from "@a2a-js/sdk/server";
import { RPC_PATH } from "./card.ts";

/** Largest request body read (bytes); A2A messages here are prompts, not uploads. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface A2aHttpOptions {
  /** The bearer token every JSON-RPC call must carry. */
  token: string;
  host: string;
  port: number;
}

export interface A2aHttp {
  server: Server;
  /** `http://host:port`, with the port actually bound. */
  baseUrl: string;
}

/** What is served; built once the port is bound, since the card names it. */
export interface A2aService {
  card: AgentCard;
  requestHandler: A2ARequestHandler;
}

export async function listenA2a(
  options: A2aHttpOptions,
  serviceAt: (baseUrl: string) => A2aService,
): Promise<A2aHttp> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const baseUrl = `http://${host}:${port}`;
  const { card, requestHandler } = serviceAt(baseUrl);
  const handlers = {
    current: new JsonRpcTransportHandler(requestHandler),
    legacy: new LegacyJsonRpcTransportHandler(requestHandler),
  };
  const expected = Buffer.from(`Bearer ${options.token}`);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", baseUrl).pathname;
    const served =
      req.method === "GET" && path === `/${AGENT_CARD_PATH}`
        ? Promise.resolve(sendJson(res, 200, card))
        : req.method === "POST" && path === RPC_PATH
          ? serveRpc(req, res, card, handlers, expected)
          : Promise.resolve(sendJson(res, 404, { error: `no route ${req.method} ${path}` }));
    served.catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: String(error) });
    });
  });
  return { server, baseUrl };
}

interface Handlers {
  current: JsonRpcTransportHandler;
  legacy: LegacyJsonRpcTransportHandler;
}

async function serveRpc(
  req: IncomingMessage,
  res: ServerResponse,
  card: AgentCard,
  handlers: Handlers,
  expected: Buffer,
): Promise<void> {
  const given = Buffer.from(req.headers.authorization ?? "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    res.setHeader("WWW-Authenticate", "Bearer");
    return sendJson(res, 401, { error: "expected Authorization: Bearer <the token serve-a2a printed>" });
  }
  const requestedVersion = header(req, A2A_VERSION_HEADER.toLowerCase());
  const legacy = (requestedVersion ?? A2A_LEGACY_PROTOCOL_VERSION) === A2A_LEGACY_PROTOCOL_VERSION;
  const toRpcError = legacy
    ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
    : JsonRpcTransportHandler.mapToJSONRPCError;
  const body = await readJson(req);
  if (body.oversized) {
    // The rest of the body is not read: the answer closes the connection instead.
    res.setHeader("Connection", "close");
    sendJson(res, 413, { jsonrpc: "2.0", id: null, error: body.error });
    return void res.once("finish", () => req.destroy());
  }
  if (!body.ok) return sendJson(res, 200, { jsonrpc: "2.0", id: null, error: body.error });
  const id = rpcId(body.value);
  const context = defaultServerCallContextBuilder({
    extensions: undefined,
    user: new UnauthenticatedUser(),
    headers: req.headers,
    requestedVersion,
  });
  let result: Awaited<ReturnType<JsonRpcTransportHandler["handle"]>>;
  try {
    validateVersion(context.requestedVersion, card, "JSONRPC");
    result = legacy
      ? ((await handlers.legacy.handle(body.value, context)) as typeof result)
      : await handlers.current.handle(body.value, context);
  } catch (error) {
    return sendJson(res, 200, { jsonrpc: "2.0", id, error: toRpcError(error) });
  }
  if (!(Symbol.asyncIterator in result)) return sendJson(res, 200, result);

  // Like the SDK's express handler: an error before the first event answers as plain JSON-RPC.
  const iterator = result[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await iterator.next();
  } catch (error) {
    return sendJson(res, 200, { jsonrpc: "2.0", id, error: toRpcError(error) });
  }
  res.writeHead(200, SSE_HEADERS);
  // A client that went away does not stop the task: it is kept in the task store and can be resubscribed.
  const write = (chunk: string) => res.destroyed || res.write(chunk);
  try {
    for (let next = first; !next.done; next = await iterator.next()) write(formatSSEEvent(next.value));
  } catch (error) {
    write(formatSSEErrorEvent({ jsonrpc: "2.0", id, error: toRpcError(error) }));
  } finally {
    res.end();
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
};

const rpcId = (body: Record<string, unknown>): string | number | null =>
  typeof body.id === "string" || typeof body.id === "number" ? body.id : null;

type Body =
  | { ok: true; value: Record<string, unknown>; oversized?: undefined }
  | { ok: false; error: { code: number; message: string }; oversized: boolean };

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      return {
        ok: false,
        oversized: true,
        error: { code: -32600, message: `request body over ${MAX_BODY_BYTES} bytes` },
      };
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return { ok: true, value: value as Record<string, unknown> };
  } catch {
    // Answered below, like any body that is not a JSON-RPC object.
  }
  return {
    ok: false,
    oversized: false,
    error: { code: -32700, message: "expected a JSON-RPC request object" },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
