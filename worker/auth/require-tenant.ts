// Hono middleware: sets `tenant` (and, for a run token, `scope`) from the grant the auth layer
// verified for this request (a static SWITCHYARD_TOKENS token, an OAuth access token or a live run's
// token, see oauth.ts); without one, 401. A tenant taken out of SWITCHYARD_TOKENS loses its OAuth
// grants and run tokens along with its key.
import { createMiddleware } from "hono/factory";
import type { Env } from "../env.ts";
import type { RunScope } from "../orchestration/scope.ts";
import { grantOf } from "./grant.ts";
import { bearerChallenge } from "./oauth.ts";
import { tenantsOf } from "./tokens.ts";
import { UNAUTHORIZED_BODY } from "./unauthorized.ts";

export type AuthVariables = { tenant: string; scope: RunScope | undefined };

export const requireTenant = () =>
  createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(async (c, next) => {
    const grant = grantOf((c.executionCtx as { props?: unknown }).props);
    // The provider refuses bad tokens before this runs; failing closed covers any other way in.
    if (!grant || !tenantsOf(c.env.SWITCHYARD_TOKENS).has(grant.tenant)) {
      c.header("WWW-Authenticate", bearerChallenge(new URL(c.req.url).origin));
      return c.json(UNAUTHORIZED_BODY, 401);
    }
    c.set("tenant", grant.tenant);
    const { run_id, agent_name } = grant;
    c.set("scope", run_id && agent_name ? { run_id, agent_name } : undefined);
    await next();
  });
