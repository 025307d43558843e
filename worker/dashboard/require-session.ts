// Hono middleware for /dashboard/: the session a cookie opens (401 without one), its CSRF token on
// every state-changing POST, and the request's Origin being this origin (login CSRF, WebSockets).
// A refusal is thrown as a SwitchyardError; app.ts turns it into the status.
import { createMiddleware } from "hono/factory";
import { sameSecret, tenantsOf } from "../auth/tokens.ts";
import type { Env } from "../env.ts";
import { tenantStub } from "../objects/stubs.ts";
import { SwitchyardError } from "../../shared/errors.ts";
import { sessionCredential } from "./session-cookie.ts";
import type { DashboardSession } from "./session-table.ts";

export interface SignedIn extends DashboardSession {
  tenant: string;
  /** The cookie's secret, which names the session to its tenant's object. */
  secret: string;
}

export type SessionVariables = { session: SignedIn };

/** The header a dashboard POST carries its session's CSRF token in. */
export const CSRF_HEADER = "x-csrf-token";

const originOf = (request: Request) => new URL(request.url).origin;

/** The session the request's cookie opens, or undefined. */
export async function sessionOf(env: Env, request: Request): Promise<SignedIn | undefined> {
  const credential = sessionCredential(request, originOf(request));
  // A tenant taken out of SWITCHYARD_TOKENS loses its sessions with its key.
  if (!credential || !tenantsOf(env.SWITCHYARD_TOKENS).has(credential.tenant)) return undefined;
  const session = await (await tenantStub(env, credential.tenant)).dashboardSession(credential.secret);
  return session ? { ...session, ...credential } : undefined;
}

export const requireSession = () =>
  createMiddleware<{ Bindings: Env; Variables: SessionVariables }>(async (c, next) => {
    const session = await sessionOf(c.env, c.req.raw);
    if (!session)
      throw new SwitchyardError("unauthorized", "sign in first: no dashboard session, or it has ended");
    c.set("session", session);
    await next();
  });

export const requireCsrf = () =>
  createMiddleware<{ Bindings: Env; Variables: SessionVariables }>(async (c, next) => {
    const given = c.req.header(CSRF_HEADER);
    if (!given || !sameSecret(given, c.get("session").csrf_token))
      throw new SwitchyardError("forbidden", `expected header ${CSRF_HEADER} with the session's csrf_token`);
    await next();
  });

/**
 * `required`: the request must carry an Origin equal to its own (a sign-in form and a WebSocket
 * upgrade always do in a browser). Otherwise an Origin, when sent, must still be this one.
 */
export const requireSameOrigin = (required: boolean) =>
  createMiddleware<{ Bindings: Env }>(async (c, next) => {
    const origin = c.req.header("origin");
    if ((required || origin !== undefined) && origin !== originOf(c.req.raw))
      throw new SwitchyardError("forbidden", `expected an Origin header of ${originOf(c.req.raw)}`);
    await next();
  });
