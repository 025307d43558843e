// POST /mcp: Streamable HTTP, stateless — a new server and transport per request.
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { requireTenant, type AuthVariables } from "../auth/require-tenant.ts";
import type { Env } from "../env.ts";
import { createMcpServer } from "../mcp/server.ts";

export const mcpRoutes = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

mcpRoutes.use("/mcp", requireTenant("SWITCHYARD_TOKENS"));

mcpRoutes.all("/mcp", async (c) => {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  const server = createMcpServer({ env: c.env, tenant: c.get("tenant") });
  await server.connect(transport);
  return transport.handleRequest(c.req.raw);
});
