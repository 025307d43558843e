// GET /runner/connect: a runner's WebSocket, handed to the object of that runner (Hibernation API),
// named by the token's tenant and the runner name the handshake carries. A refused token still gets
// a WebSocket, closed at once with 4401, so the runner can tell "refused" (stop) from "unreachable"
// (retry); a runner that names none speaks an older protocol and is told so when it says hello.
import { Hono } from "hono";
import { bearerToken, parseTokenPairs, tenantForToken } from "../auth/tokens.ts";
import type { Env } from "../env.ts";
import { runnerStub } from "../objects/stubs.ts";
import { CLOSE_CODES, HelloFrameSchema, RUNNER_NAME_HEADER } from "../../shared/protocol/frames.ts";
import { otherProtocol } from "../runners/runner-link.ts";

export const runnerRoutes = new Hono<{ Bindings: Env }>();

const NameSchema = HelloFrameSchema.shape.name;

runnerRoutes.get("/runner/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.json({ error: "bad_request", message: "expected a WebSocket upgrade" }, 426);
  }
  const tenant = tenantForToken(
    parseTokenPairs(c.env.SWITCHYARD_RUNNER_TOKENS),
    bearerToken(c.req.header("authorization")),
  );
  if (!tenant)
    return refused(
      CLOSE_CODES.unauthorized.code,
      "runner token refused (use a token from SWITCHYARD_RUNNER_TOKENS)",
    );
  const name = NameSchema.safeParse(decodedName(c.req.header(RUNNER_NAME_HEADER)));
  if (!name.success) return refusedAtHello();
  const stub = await runnerStub(c.env, tenant, name.data);
  return stub.fetch(c.req.raw);
});

const decodedName = (header: string | undefined): string | undefined => {
  try {
    return header === undefined ? undefined : decodeURIComponent(header);
  } catch {
    return undefined;
  }
};

/** A WebSocket closed at once with `code`. */
function refused(code: number, reason: string): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: client });
}

/**
 * A WebSocket that waits for the hello of a runner naming no runner (or an unusable name) and
 * closes it: as another protocol version when the hello says so, else as a bad handshake.
 */
function refusedAtHello(): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.addEventListener("message", (event) => {
    let raw: unknown;
    try {
      raw = JSON.parse(String(event.data));
    } catch {
      raw = undefined;
    }
    const reason = otherProtocol(raw);
    if (reason !== undefined) server.close(CLOSE_CODES.protocol_mismatch.code, reason);
    else
      server.close(
        CLOSE_CODES.wrong_name.code,
        `name the runner in the ${RUNNER_NAME_HEADER} header (1 to 128 characters, URI-encoded)`,
      );
  });
  return new Response(null, { status: 101, webSocket: client });
}
