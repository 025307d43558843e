// The OAuth 2.1 provider in front of the app: RFC 9728 / RFC 8414 metadata, the token endpoint
// (PKCE S256 only, refresh), dynamic registration, and the /mcp guard that turns a static bearer
// token or an OAuth access token bound to this server's /mcp into the request's tenant grant.
import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import type { Env } from "../env.ts";
import { isSwitchyardError } from "../../shared/errors.ts";
import { runTokenGrant } from "../orchestration/run-token.ts";
import { ensureCimdClient } from "./cimd.ts";
import type { TenantGrant } from "./grant.ts";
import { parseTokenPairs, tenantForToken } from "./tokens.ts";
import { asUnauthorized } from "./unauthorized.ts";

export const AUTHORIZE_PATH = "/authorize";
export const TOKEN_PATH = "/oauth/token";
export const REGISTER_PATH = "/oauth/register";
export const MCP_PATH = "/mcp";
const RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";
const AS_METADATA_PATH = "/.well-known/oauth-authorization-server";

/** Access tokens live 10 minutes; clients refresh them (the refresh token rotates on use). */
export const ACCESS_TOKEN_TTL_S = 600;
/** Refresh tokens live 30 days. */
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;

/** The canonical resource a request's origin serves: its /mcp. Tokens are bound to exactly this. */
export const resourceFor = (origin: string) => `${origin}${MCP_PATH}`;

/** The RFC 9728 challenge a refused /mcp request gets, naming the resource's metadata document. */
export const bearerChallenge = (origin: string) =>
  `Bearer realm="switchyard", resource_metadata="${origin}${RESOURCE_METADATA_PATH}${MCP_PATH}", error="invalid_token"`;

/** Providers kept at once, one per origin served. */
const MAX_PROVIDERS = 16;

type Handler = { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> };

/**
 * One provider per request, configured for the request's own origin (Host was checked against
 * SWITCHYARD_ALLOWED_HOSTS before this runs): a token issued at one allowed host is refused at
 * another, and `resource` must name this origin's /mcp.
 */
function createProvider(app: Handler, origin: string): OAuthProvider<Env> {
  const resource = resourceFor(origin);
  return new OAuthProvider<Env>({
    apiRoute: MCP_PATH,
    apiHandler: app as Required<Pick<ExportedHandler<Env>, "fetch">>,
    defaultHandler: app as ExportedHandler<Env>,
    authorizeEndpoint: AUTHORIZE_PATH,
    tokenEndpoint: TOKEN_PATH,
    clientRegistrationEndpoint: REGISTER_PATH,
    accessTokenTTL: ACCESS_TOKEN_TTL_S,
    refreshTokenTTL: REFRESH_TOKEN_TTL_S,
    resourceMetadata: { resource, authorization_servers: [origin], resource_name: "Switchyard" },
    // Static tokens for CLIs and CI, unchanged. Runner tokens are never looked at: they stay
    // valid only on /runner/connect, which is not an API route of the provider.
    resolveExternalToken: async ({ token, env }) => {
      const props = staticGrant(env, token);
      return props ? { props, audience: resource } : null;
    },
  });
}

/** The grant a static SWITCHYARD_TOKENS token carries, or undefined for any other token. */
export function staticGrant(env: Env, token: string | undefined): TenantGrant | undefined {
  const tenant = token ? tenantForToken(parseTokenPairs(env.SWITCHYARD_TOKENS), token) : undefined;
  return tenant ? { tenant } : undefined;
}

const bearerOf = (request: Request) =>
  /^Bearer (\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];

const json = (body: unknown, status: number, headers?: HeadersInit) => {
  const h = new Headers(headers);
  h.set("content-type", "application/json");
  h.set("cache-control", "no-store");
  return new Response(JSON.stringify(body), { status, headers: h });
};

/** The metadata document the provider serves, with CIMD advertised (cimd.ts resolves it). */
async function withCimdAdvertised(response: Response): Promise<Response> {
  if (!response.ok) return response;
  const doc = (await response.json()) as Record<string, unknown>;
  return json({ ...doc, client_id_metadata_document_supported: true }, 200, response.headers);
}

/** A token request's client_id resolved first when it is a metadata document URL. */
async function cimdRefusal(request: Request, env: Env): Promise<Response | undefined> {
  if (request.method !== "POST") return undefined;
  const form = await request
    .clone()
    .formData()
    .catch(() => undefined);
  const clientId = form?.get("client_id");
  try {
    await ensureCimdClient(env, typeof clientId === "string" ? clientId : undefined);
    return undefined;
  } catch (e) {
    if (!isSwitchyardError(e)) throw e;
    return json({ error: "invalid_client", error_description: e.message }, 401);
  }
}

/** The 401 a refused /mcp request gets, with the RFC 9728 challenge. */
const refused = (origin: string) =>
  asUnauthorized(
    new Response(null, { status: 401, headers: { "WWW-Authenticate": bearerChallenge(origin) } }),
  );

/**
 * The OAuth layer as a fetch handler in front of `app`: the provider answers discovery, token and
 * registration and guards /mcp; the only resource is /mcp, so the root resource metadata path is
 * its document too; every 401 on /mcp gets Switchyard's body under the provider's challenge.
 */
export function createOAuthHandler(app: Handler) {
  // Building a provider validates its whole configuration, which costs more than the rest of a
  // get_run: one is kept per origin. Origins are the served hosts (Host is checked first), so
  // few; the cap only bounds loopback's many ports.
  const providers = new Map<string, OAuthProvider<Env>>();
  const providerFor = (origin: string) => {
    let provider = providers.get(origin);
    if (!provider) {
      if (providers.size >= MAX_PROVIDERS) providers.clear();
      provider = createProvider(app, origin);
      providers.set(origin, provider);
    }
    return provider;
  };
  return async (request: Request, workerEnv: Env, ctx: ExecutionContext): Promise<Response> => {
    // The provider leaves its helpers on `env` (OAUTH_PROVIDER) for the app, and a Worker's env
    // object outlives the request: each request gets its own, so one origin's helpers (issuer,
    // resource) never serve another's request.
    const env: Env = { ...workerEnv, OAUTH_PROVIDER: undefined };
    const url = new URL(request.url);
    // A static token needs none of the provider's work: the app gets the grant the provider's
    // resolveExternalToken would give it, set on the context the way the provider sets it. A run
    // token is asked of its run's object on every call, and one it no longer honours is refused here.
    const bearer = bearerOf(request);
    const onMcp = url.pathname === MCP_PATH || url.pathname.startsWith(`${MCP_PATH}/`);
    const grant =
      url.pathname === MCP_PATH
        ? (staticGrant(env, bearer) ?? (await runTokenGrant(env, bearer)))
        : undefined;
    if (grant === null) return refused(url.origin);
    if (grant) {
      (ctx as ExecutionContext & { props: unknown }).props = grant;
      return app.fetch(request, env, ctx);
    }
    const provider = providerFor(url.origin);
    // The dashboard's OAuth sign-in exchanges its code here, in-process (worker/dashboard/oauth-signin.ts).
    env.OAUTH_TOKEN_ENDPOINT = (tokenRequest) => provider.fetch(tokenRequest, env, ctx);
    if (url.pathname === RESOURCE_METADATA_PATH) {
      url.pathname = `${RESOURCE_METADATA_PATH}${MCP_PATH}`;
      return provider.fetch(new Request(url, request), env, ctx);
    }
    if (url.pathname === TOKEN_PATH) {
      const refusal = await cimdRefusal(request, env);
      if (refusal) return refusal;
    }
    const response = await provider.fetch(request, env, ctx);
    if (url.pathname === AS_METADATA_PATH) return withCimdAdvertised(response);
    return onMcp && response.status === 401 ? asUnauthorized(response) : response;
  };
}
