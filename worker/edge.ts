// The Worker's fetch handler: Host and Origin are checked first (so nothing, not even OAuth
// discovery, answers a foreign host), then the OAuth layer routes to its own endpoints or to the app.
import { Hono } from "hono";
import { createApp, onAppError } from "./app.ts";
import { createOAuthHandler } from "./auth/oauth.ts";
import { isLoopbackHostname } from "../shared/loopback.ts";
import { requireAllowedHost } from "./auth/require-allowed-host.ts";
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
  const oauth = createOAuthHandler(createApp());
  const edge = new Hono<{ Bindings: Env }>();
  edge.use("*", requireAllowedHost());
  edge.all("*", (c) => oauth(canonical(c.req.raw), c.env, c.executionCtx as ExecutionContext));
  edge.onError(onAppError);
  return edge;
}
