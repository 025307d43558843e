// Hono middleware: sets `tenant` from the grant the OAuth provider verified for this request (a
// static SWITCHYARD_TOKENS token or an OAuth access token, see oauth.ts); without one, 401.
import { createMiddleware } from "hono/factory";
import type { Env } from "../env.ts";
import { grantOf } from "./grant.ts";
import { UNAUTHORIZED_BODY } from "./unauthorized.ts";

export type AuthVariables = { tenant: string };

export const requireTenant = () =>
  createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(async (c, next) => {
    const grant = grantOf((c.executionCtx as { props?: unknown }).props);
    // The provider refuses tokens before this handler runs; failing closed covers any other way in.
    if (!grant) {
      c.header("WWW-Authenticate", 'Bearer realm="switchyard", error="invalid_token"');
      return c.json(UNAUTHORIZED_BODY, 401);
    }
    c.set("tenant", grant.tenant);
    await next();
  });
