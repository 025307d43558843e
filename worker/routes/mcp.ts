// POST /mcp: Streamable HTTP, stateless, for both protocol eras — `agents`' createMcpHandler routes
// 2026-07-28 requests (per-request `_meta` envelope, `server/discover`) to the modern path and
// 2025-era ones (`initialize`, no envelope) to a stateless fallback, each served by a fresh server
// from one factory. Every other method answers 405: there is no SSE stream to open or resume (GET)
// and no session to end (DELETE).
import { createMcpHandler } from "agents/mcp/server";
import { Hono } from "hono";
import { servedHostnames } from "../auth/require-allowed-host.ts";
import { requireTenant, type AuthVariables } from "../auth/require-tenant.ts";
import type { Env } from "../env.ts";
import { createMcpServer } from "../mcp/server.ts";

/** Largest request body read (bytes); a bigger one is answered 413 before it is parsed. */
const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

export const mcpRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

mcpRoutes.post("/mcp", requireTenant(), async (c) => {
  const tenant = c.get("tenant");
  // requireAllowedHost has checked Host and Origin already; the handler checks again against the
  // same names, so neither refuses what the other serves.
  const hosts = servedHostnames(c.env);
  const handler = createMcpHandler(({ era }) => createMcpServer({ env: c.env, tenant }, era), {
    route: "/mcp",
    allowedHostnames: hosts,
    allowedOriginHostnames: hosts,
    // No CORS headers, as before: a browser page on another origin is refused, not invited.
    corsOptions: false,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
  });
  return handler.fetch(withHostHeader(c.req.raw));
});

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
