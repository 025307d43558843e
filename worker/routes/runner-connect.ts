// GET /runner/connect: a runner's WebSocket, handed to its tenant's object (Hibernation API).
// A refused token still gets a WebSocket, closed at once with 4401, so the runner can tell
// "refused" (stop) from "unreachable" (retry).
import { Hono } from "hono";
import { bearerToken, parseTokenPairs, tenantForToken } from "../auth/tokens.ts";
import type { Env } from "../env.ts";
import { tenantStub } from "../objects/stubs.ts";
import { CLOSE_CODES } from "../../shared/protocol/frames.ts";

export const runnerRoutes = new Hono<{ Bindings: Env }>();

runnerRoutes.get("/runner/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.json({ error: "bad_request", message: "expected a WebSocket upgrade" }, 426);
  }
  const tenant = tenantForToken(
    parseTokenPairs(c.env.SWITCHYARD_RUNNER_TOKENS),
    bearerToken(c.req.header("authorization")),
  );
  if (!tenant) {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    server.accept();
    server.close(
      CLOSE_CODES.unauthorized.code,
      "runner token refused (use a token from SWITCHYARD_RUNNER_TOKENS)",
    );
    return new Response(null, { status: 101, webSocket: client });
  }
  const stub = (await tenantStub(c.env, tenant)) as unknown as { fetch(request: Request): Promise<Response> };
  return stub.fetch(c.req.raw);
});
