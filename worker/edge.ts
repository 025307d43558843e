// The Worker's fetch handler: Host and Origin are checked first (so nothing, not even OAuth
// discovery, answers a foreign host), then the OAuth provider routes to its own endpoints or to
// the app; its 401s on /mcp get Switchyard's error body.
import { Hono } from "hono";
import { createApp, onAppError } from "./app.ts";
import { createOAuthProvider, MCP_PATH } from "./auth/oauth.ts";
import { isLoopbackHostname, requireAllowedHost } from "./auth/require-allowed-host.ts";
import { asUnauthorized } from "./auth/unauthorized.ts";
import type { Env } from "./env.ts";

/**
 * The request as the provider sees it: a served host other than loopback is known by its https
 * origin (Cloudflare terminates TLS in front of a deployed Worker), so its OAuth issuer and the
 * resource its tokens are bound to are `https://host` and `https://host/mcp` however it was reached.
 */
function canonical(request: Request): Request {
  const url = new URL(request.url);
  if (url.protocol === "https:" || isLoopbackHostname(url.hostname)) return request;
  url.protocol = "https:";
  return new Request(url, request);
}

export function createWorker() {
  const app = createApp();
  const edge = new Hono<{ Bindings: Env }>();
  edge.use("*", requireAllowedHost());
  edge.all("*", async (c) => {
    const request = canonical(c.req.raw);
    const url = new URL(request.url);
    const provider = createOAuthProvider(app, url.origin);
    const response = await provider.fetch(request, c.env, c.executionCtx as ExecutionContext);
    const onMcp = url.pathname === MCP_PATH || url.pathname.startsWith(`${MCP_PATH}/`);
    return onMcp && response.status === 401 ? asUnauthorized(response) : response;
  });
  edge.onError(onAppError);
  return edge;
}
