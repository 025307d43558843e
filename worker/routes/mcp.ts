// POST /mcp: Streamable HTTP, stateless, for both protocol eras, each request served by a fresh
// server from one factory. 2026-07-28 requests (per-request `_meta` envelope, `server/discover`) go
// to `agents`' createMcpHandler; 2025-era ones (`initialize`, no envelope), as the SDK classifies
// them, to a stateless transport answering plain JSON — the handler's own 2025 fallback answers
// every call as an SSE stream, which costs each caller a stream to parse for one message. Every
// other method answers 405: there is no SSE stream to open or resume (GET) and no session to end.
import { isLegacyRequest, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { createMcpHandler } from "agents/mcp/server";
import { Hono, type Context } from "hono";
import { servedHostnames } from "../auth/require-allowed-host.ts";
import { requireTenant, type AuthVariables } from "../auth/require-tenant.ts";
import type { Env } from "../env.ts";
import { createMcpServer } from "../mcp/server.ts";

/** Largest request body read (bytes); a bigger one is answered 413 before it is parsed. */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

export const mcpRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

mcpRoutes.post("/mcp", requireTenant(), async (c) => {
  const ctx = { env: c.env, tenant: c.get("tenant"), scope: c.get("scope") };
  const read = await readBody(withHostHeader(c.req.raw));
  if (read === "too_large") return tooLarge(c);
  const { request, parsedBody } = read;
  // Classified from the body read once: the SDK would otherwise clone and parse it again.
  if (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: MAX_REQUEST_BODY_BYTES })) {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await createMcpServer(ctx, "legacy").connect(transport);
    return transport.handleRequest(request, { parsedBody });
  }
  // requireAllowedHost has checked Host and Origin already; the handler checks again against the
  // same names, so neither refuses what the other serves.
  const hosts = servedHostnames(c.env);
  const handler = createMcpHandler(({ era }) => createMcpServer(ctx, era), {
    route: "/mcp",
    legacy: "reject",
    allowedHostnames: hosts,
    allowedOriginHostnames: hosts,
    // No CORS headers, as before: a browser page on another origin is refused, not invited.
    corsOptions: false,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
  });
  return handler.fetch(request, { parsedBody });
});

/**
 * The body read once, up to the limit, and parsed: the transports then use the parsed body and
 * read nothing. Text that is not JSON is handed on as the body, so the transports answer it as they
 * answer malformed JSON.
 */
export async function readBody(
  raw: Request,
): Promise<"too_large" | { request: Request; parsedBody: unknown | undefined }> {
  if (Number(raw.headers.get("content-length") ?? 0) > MAX_REQUEST_BODY_BYTES) return "too_large";
  const text = await raw.text();
  // Characters never outnumber bytes, so only a long text needs counting.
  if (
    text.length * 3 > MAX_REQUEST_BODY_BYTES &&
    new TextEncoder().encode(text).byteLength > MAX_REQUEST_BODY_BYTES
  )
    return "too_large";
  try {
    // Handed on with its body consumed: given the parsed body, neither transport reads or clones it.
    return { request: raw, parsedBody: JSON.parse(text) as unknown };
  } catch {
    return { request: new Request(raw, { body: text }), parsedBody: undefined };
  }
}

const tooLarge = (c: Context) =>
  c.json(
    { error: "payload_too_large", message: `the request body is over ${MAX_REQUEST_BODY_BYTES} bytes` },
    413,
  );

/**
 * The request with a Host header: requireAllowedHost reads the URL's host when a request has none
 * (a Worker called by a binding), the handler would refuse it for the missing header.
 */
function withHostHeader(request: Request): Request {
  if (request.headers.has("host")) return request;
  const headers = new Headers(request.headers);
  headers.set("host", new URL(request.url).host);
  return new Request(request, { headers });
}

mcpRoutes.all("/mcp", (c) => {
  c.header("Allow", "POST");
  return c.json(
    {
      error: "method_not_allowed",
      message: `${c.req.method} /mcp is not served: the endpoint is stateless, send each JSON-RPC message with POST`,
    },
    405,
  );
});
