// GET/POST /authorize: the OAuth consent page. GET validates the request (client, redirect URI,
// PKCE S256, resource) and shows who asks; POST signs in with a tenant key or a single-use invitation
// code and grants a token bound to that tenant. The form is bound to the browser that opened it (the
// provider's consent handle and cookie) and works once; Host and Origin were checked before this runs.
import {
  AuthorizationError,
  CimdFetchError,
  type AuthRequest,
  type ConsentDescription,
  type OAuthHelpers,
} from "@cloudflare/workers-oauth-provider";
import { Hono } from "hono";
import { cimdDomain, ensureCimdClient } from "../auth/cimd.ts";
import { redeemInvite } from "../auth/invites.ts";
import { AUTHORIZE_PATH } from "../auth/oauth.ts";
import { parseTokenPairs, tenantForToken } from "../auth/tokens.ts";
import type { TenantGrant } from "../auth/grant.ts";
import type { Env } from "../env.ts";
import { isSwitchyardError, SwitchyardError } from "../../shared/errors.ts";
import { consentPage, refusalPage } from "./consent-page.ts";

export const consentRoutes = new Hono<{ Bindings: Env }>();

const html = (body: string, status: number, headers = new Headers()) => {
  headers.set("content-type", "text/html; charset=utf-8");
  return new Response(body, { status, headers });
};

function helpers(env: Env): OAuthHelpers {
  if (!env.OAUTH_PROVIDER)
    throw new SwitchyardError("internal", "the OAuth provider is not in front of the app");
  return env.OAUTH_PROVIDER;
}

/** What the page shows about a request; a CIMD client's domain is named (cimd.ts resolved it, not the provider). */
async function describeRequest(oauth: OAuthHelpers, request: AuthRequest): Promise<ConsentDescription> {
  const details = await oauth.describeConsent(request);
  return { ...details, clientDomain: details.clientDomain ?? cimdDomain(details.clientId) };
}

type SignIn = { tenant: string; signedInWith: "tenant_key" | "invitation" } | { refusal: string };

/** Who the entered secret signs in as: a tenant key first, else an invitation (redeemed here, once). */
async function signIn(env: Env, secret: string): Promise<SignIn> {
  const tenant = tenantForToken(parseTokenPairs(env.SWITCHYARD_TOKENS), secret);
  if (tenant) return { tenant, signedInWith: "tenant_key" };
  const invite = await redeemInvite(env, secret);
  if ("tenant" in invite) return { tenant: invite.tenant, signedInWith: "invitation" };
  return {
    refusal:
      invite.refused === "used"
        ? "That invitation has already been used. Ask for a new one."
        : "That tenant key or invitation code was not accepted.",
  };
}

/** What a refused authorization shows: a redirect once the client is verified, a page otherwise. */
function refused(error: unknown): Response {
  if (error instanceof AuthorizationError) {
    if (error.redirectTo) return Response.redirect(error.redirectTo, 302);
    return html(refusalPage(error.description), 400);
  }
  if (error instanceof CimdFetchError)
    return html(refusalPage("The app's client metadata document could not be used."), 400);
  throw error;
}

consentRoutes.get(AUTHORIZE_PATH, async (c) => {
  const oauth = helpers(c.env);
  try {
    await ensureCimdClient(c.env, c.req.query("client_id"));
    const request = await oauth.parseAuthRequest(c.req.raw);
    const details = await describeRequest(oauth, request);
    const consent = await oauth.beginConsent(request);
    return html(consentPage(details, consent.handle), 200, consent.headers);
  } catch (error) {
    return refused(error);
  }
});

consentRoutes.post(AUTHORIZE_PATH, async (c) => {
  const oauth = helpers(c.env);
  const form = await c.req.formData();
  const handle = String(form.get("handle") ?? "");
  try {
    if (form.get("decision") !== "approve") {
      const denied = await oauth.denyConsent(c.req.raw, handle);
      return new Response(null, { status: 302, headers: denied.headers });
    }
    // Consumes the handle: a form is answered once, from the browser holding its cookie.
    const approved = await oauth.approveConsent(c.req.raw, handle);
    const signedIn = await signIn(c.env, String(form.get("tenant_key") ?? ""));
    if ("refusal" in signedIn) {
      const details = await describeRequest(oauth, approved.request);
      const again = await oauth.beginConsent(approved.request);
      return html(consentPage(details, again.handle, signedIn.refusal), 401, again.headers);
    }
    const { tenant, signedInWith } = signedIn;
    const props: TenantGrant = { tenant };
    const { redirectTo } = await oauth.completeAuthorization({
      request: approved.request,
      userId: tenant,
      metadata: { signedInWith },
      scope: approved.request.scope,
      props,
      // One tenant is many people and many installations of the same app: one's sign-in must not
      // end another's grant.
      revokeExistingGrants: false,
    });
    approved.headers.set("location", redirectTo);
    return new Response(null, { status: 302, headers: approved.headers });
  } catch (error) {
    return refused(error);
  }
});
