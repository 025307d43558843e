// Signing in to the dashboard through the server's own OAuth: the dashboard is a first-party public
// client of this origin (registered once, its id kept in OAUTH_KV), sends the browser to the consent
// page with PKCE S256 and a state kept in a short-lived HttpOnly cookie, and at the callback
// exchanges the code in-process, takes the tenant from the token's grant, revokes that grant (the
// session replaces it) and opens a session.
import { Hono, type Context } from "hono";
import { AUTHORIZE_PATH, TOKEN_PATH, resourceFor } from "../auth/oauth.ts";
import { base64url, randomSecret } from "../auth/secrets.ts";
import { sameSecret } from "../auth/tokens.ts";
import type { Env } from "../env.ts";
import { tenantStub } from "../objects/stubs.ts";
import { SwitchyardError } from "../../shared/errors.ts";
import { oauthTenant } from "./bearer-tenant.ts";
import { cookieName, cookieValue, setCookie } from "./session-cookie.ts";
import { signedInRedirect, signinFailed } from "./signed-in.ts";

const CALLBACK_PATH = "/dashboard/oauth/callback";
/** How long a started sign-in may take at the consent page (s). */
const STATE_TTL_S = 600;
const CLIENT_KEY = "switchyard-dashboard-client:";

export const oauthSigninRoutes = new Hono<{ Bindings: Env }>();

const STATE_COOKIE = "sy_oauth";

const originOf = (c: Context) => new URL(c.req.url).origin;

/** PKCE's S256 challenge of `verifier`. */
const s256 = async (verifier: string) =>
  base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));

function helpersOf(env: Env) {
  if (!env.OAUTH_PROVIDER || !env.OAUTH_TOKEN_ENDPOINT)
    throw new SwitchyardError("internal", "the OAuth provider is not in front of the app");
  return { oauth: env.OAUTH_PROVIDER, tokenEndpoint: env.OAUTH_TOKEN_ENDPOINT };
}

/** The dashboard's client id at `origin`, registered with the provider the first time. */
async function dashboardClient(env: Env, origin: string): Promise<string> {
  const { oauth } = helpersOf(env);
  const kept = await env.OAUTH_KV.get(CLIENT_KEY + origin);
  if (kept && (await oauth.lookupClient(kept))) return kept;
  const client = await oauth.createClient({
    clientName: "Switchyard dashboard",
    redirectUris: [origin + CALLBACK_PATH],
    tokenEndpointAuthMethod: "none",
    grantTypes: ["authorization_code"],
    responseTypes: ["code"],
  });
  await env.OAUTH_KV.put(CLIENT_KEY + origin, client.clientId);
  return client.clientId;
}

oauthSigninRoutes.get("/dashboard/oauth/start", async (c) => {
  const origin = originOf(c);
  const clientId = await dashboardClient(c.env, origin);
  const state = randomSecret();
  const verifier = randomSecret();
  const url = new URL(AUTHORIZE_PATH, origin);
  for (const [key, value] of Object.entries({
    response_type: "code",
    client_id: clientId,
    redirect_uri: origin + CALLBACK_PATH,
    code_challenge: await s256(verifier),
    code_challenge_method: "S256",
    state,
    resource: resourceFor(origin),
  }))
    url.searchParams.set(key, value);
  c.header("set-cookie", setCookie(origin, STATE_COOKIE, `${state}.${verifier}`, STATE_TTL_S));
  c.header("cache-control", "no-store");
  return c.redirect(url.href, 302);
});

/** The tenant the callback's code signs in as, or undefined for any failure on the way. */
async function tenantOfCallback(c: Context<{ Bindings: Env }>): Promise<string | undefined> {
  const origin = originOf(c);
  const [state, verifier] = (
    cookieValue(c.req.header("cookie"), cookieName(origin, STATE_COOKIE)) ?? ""
  ).split(".");
  const given = c.req.query("state");
  const code = c.req.query("code");
  if (!state || !verifier || !given || !code || !sameSecret(given, state)) return undefined;
  const { tokenEndpoint } = helpersOf(c.env);
  const clientId = await c.env.OAUTH_KV.get(CLIENT_KEY + origin);
  if (!clientId) return undefined;
  const response = await tokenEndpoint(
    new Request(origin + TOKEN_PATH, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: origin + CALLBACK_PATH,
        client_id: clientId,
        code_verifier: verifier,
        resource: resourceFor(origin),
      }).toString(),
    }),
  );
  if (!response.ok) return undefined;
  const { access_token } = (await response.json()) as { access_token?: unknown };
  if (typeof access_token !== "string") return undefined;
  const granted = await oauthTenant(c.env, origin, access_token);
  if (!granted) return undefined;
  // The session is the dashboard's credential from now on: the grant and its tokens are not kept.
  await helpersOf(c.env).oauth.revokeGrant(granted.grantId, granted.userId);
  return granted.tenant;
}

oauthSigninRoutes.get(CALLBACK_PATH, async (c) => {
  // The state works once, whatever happens next.
  c.header("set-cookie", setCookie(originOf(c), STATE_COOKIE, "", 0));
  let tenant: string | undefined;
  try {
    tenant = await tenantOfCallback(c);
  } catch (error) {
    console.error("dashboard oauth callback failed", error);
  }
  if (!tenant) return signinFailed(c, "oauth_failed");
  return signedInRedirect(c, tenant, await (await tenantStub(c.env, tenant)).openDashboardSession());
});
