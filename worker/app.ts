// The Hono app: routes mounted, and the one place errors become HTTP statuses. It runs behind the
// Host check and the OAuth provider (edge.ts), as the provider's API and default handler.
import { Hono } from "hono";
import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Env } from "./env.ts";
import { isSwitchyardError, type ErrorCode } from "../shared/errors.ts";
import { healthRoutes } from "./routes/health.ts";
import { consentRoutes } from "./routes/consent.ts";
import { mcpRoutes } from "./routes/mcp.ts";
import { runnerRoutes } from "./routes/runner-connect.ts";
import { appAssetRoutes, dashboardRoutes } from "./dashboard/routes.ts";

const HTTP_STATUS: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 429 | 500 | 502 | 503 | 504> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  runner_unavailable: 503,
  backend_unavailable: 503,
  backend_failed: 502,
  timeout: 504,
  budget_exceeded: 429,
  internal: 500,
};

export function createApp() {
  const app = new Hono<{ Bindings: Env }>();
  app.route("/", healthRoutes);
  app.route("/", consentRoutes);
  app.route("/", mcpRoutes);
  app.route("/", runnerRoutes);
  app.route("/", dashboardRoutes);
  // Last: any other GET is the dashboard's app (client-side routes included).
  app.route("/", appAssetRoutes);
  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404),
  );
  app.onError(onAppError);
  return app;
}

/** The one place an error becomes an HTTP status (the edge in front of the app uses it too). */
export const onAppError: ErrorHandler = (err, c) => {
  if (err instanceof HTTPException) return err.getResponse();
  if (isSwitchyardError(err)) {
    const body = { error: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) };
    return c.json(body, HTTP_STATUS[err.code]);
  }
  console.error("unhandled", err);
  return c.json({ error: "internal", message: "internal error" }, 500);
};
