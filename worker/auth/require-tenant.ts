// Hono middleware: resolves the bearer token against one token variable and sets `tenant`;
// anything else gets 401 with a WWW-Authenticate challenge before any handler runs.
import { createMiddleware } from "hono/factory";
import type { Env } from "../env.ts";
import { bearerToken, parseTokenPairs, tenantForToken } from "./tokens.ts";

export type AuthVariables = { tenant: string };

export const requireTenant = (variable: "SWITCHYARD_TOKENS" | "SWITCHYARD_RUNNER_TOKENS") =>
  createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(async (c, next) => {
    const tenant = tenantForToken(
      parseTokenPairs(c.env[variable]),
      bearerToken(c.req.header("authorization")),
    );
    if (!tenant) {
      c.header("WWW-Authenticate", 'Bearer realm="switchyard", error="invalid_token"');
      return c.json(
        { error: "unauthorized", message: "expected Authorization: Bearer <token> with a valid token" },
        401,
      );
    }
    c.set("tenant", tenant);
    await next();
  });
