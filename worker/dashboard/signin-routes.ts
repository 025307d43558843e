// Signing in and out of the dashboard: with a bearer token (POST /dashboard/signin), with a
// one-time link (GET /dashboard/signin/once, minted by POST /dashboard/signin-links for a token's
// tenant), reading the session (GET /dashboard/session) and ending it (POST /dashboard/signout).
import { Hono } from "hono";
import { z } from "zod";
import { bearerToken, tenantsOf } from "../auth/tokens.ts";
import type { Env } from "../env.ts";
import { tenantStub } from "../objects/stubs.ts";
import { readBody } from "../routes/mcp.ts";
import { SwitchyardError, badRequest } from "../../shared/errors.ts";
import { tenantOfBearer } from "./bearer-tenant.ts";
import { formatCredential, parseCredential } from "./credential.ts";
import { requireCsrf, requireSameOrigin, requireSession, type SessionVariables } from "./require-session.ts";
import { clearedSessionCookie } from "./session-cookie.ts";
import { sessionBody, signedInJson, signedInRedirect, signinFailed } from "./signed-in.ts";

export const SIGNIN_ONCE_PATH = "/dashboard/signin/once";

export const signinRoutes = new Hono<{ Bindings: Env; Variables: SessionVariables }>();

const SigninSchema = z.object({ token: z.string().min(1).max(4096) });

const refusedToken = () =>
  new SwitchyardError(
    "unauthorized",
    "that token signs in nobody here: use a token from SWITCHYARD_TOKENS or an OAuth access token for this server",
  );

signinRoutes.post("/dashboard/signin", requireSameOrigin(true), async (c) => {
  const read = await readBody(c.req.raw);
  const body = SigninSchema.safeParse(read === "too_large" ? undefined : read.parsedBody);
  if (!body.success) throw badRequest("token", 'expected a JSON body {"token": "<bearer token>"}');
  const origin = new URL(c.req.url).origin;
  const tenant = await tenantOfBearer(c.env, origin, body.data.token);
  if (!tenant) throw refusedToken();
  return signedInJson(c, tenant, await (await tenantStub(c.env, tenant)).openDashboardSession());
});

signinRoutes.get("/dashboard/session", requireSession(), (c) => {
  const { tenant, ...session } = c.get("session");
  c.header("cache-control", "no-store");
  return c.json(sessionBody(tenant, session));
});

signinRoutes.post(
  "/dashboard/signout",
  requireSameOrigin(false),
  requireSession(),
  requireCsrf(),
  async (c) => {
    const { tenant, secret } = c.get("session");
    await (await tenantStub(c.env, tenant)).closeDashboardSession(secret);
    c.header("set-cookie", clearedSessionCookie(new URL(c.req.url).origin));
    return c.body(null, 204);
  },
);

signinRoutes.post("/dashboard/signin-links", requireSameOrigin(false), async (c) => {
  const origin = new URL(c.req.url).origin;
  const token = bearerToken(c.req.header("authorization"));
  const tenant = token ? await tenantOfBearer(c.env, origin, token) : undefined;
  if (!tenant) throw refusedToken();
  const link = await (await tenantStub(c.env, tenant)).mintSigninLink();
  // Every character of a code is URL-safe: the link is printed as it is.
  const url = `${origin}${SIGNIN_ONCE_PATH}?code=${formatCredential({ tenant, secret: link.secret })}`;
  c.header("cache-control", "no-store");
  return c.json({ url, expires_at: link.expires_at }, 201);
});

signinRoutes.get(SIGNIN_ONCE_PATH, async (c) => {
  const code = parseCredential(c.req.query("code"));
  if (!code || !tenantsOf(c.env.SWITCHYARD_TOKENS).has(code.tenant)) return signinFailed(c, "link_invalid");
  const redeemed = await (await tenantStub(c.env, code.tenant)).redeemSigninLink(code.secret);
  if ("refused" in redeemed) return signinFailed(c, redeemed.refused);
  return signedInRedirect(c, code.tenant, redeemed);
});
