// POST /mcp: Streamable HTTP, stateless — a new server and transport per request. Every other
// method answers 405: there is no SSE stream to open or resume (GET) and no session to end (DELETE).
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { requireTenant, type AuthVariables } from "../auth/require-tenant.ts";
import type { Env } from "../env.ts";
import { createMcpServer } from "../mcp/server.ts";

/** Largest request body read (bytes); a bigger one is answered 413 before it is parsed. */
const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

export const mcpRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

mcpRoutes.post("/mcp", requireTenant(), async (c) => {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
  });
  const server = createMcpServer({ env: c.env, tenant: c.get("tenant") });
  await server.connect(transport);
  return transport.handleRequest(c.req.raw);
});

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
