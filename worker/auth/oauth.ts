// The OAuth 2.1 provider in front of the app: RFC 9728 / RFC 8414 metadata, the token endpoint
// (PKCE S256 only, refresh), dynamic registration, and the /mcp guard that turns a static bearer
// token or an OAuth access token bound to this server's /mcp into the request's tenant grant.
import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import type { Env } from "../env.ts";
import type { TenantGrant } from "./grant.ts";
import { parseTokenPairs, tenantForToken } from "./tokens.ts";

export const AUTHORIZE_PATH = "/authorize";
export const TOKEN_PATH = "/oauth/token";
export const REGISTER_PATH = "/oauth/register";
export const MCP_PATH = "/mcp";

/** Access tokens live 10 minutes; clients refresh them (the refresh token rotates on use). */
export const ACCESS_TOKEN_TTL_S = 600;
/** A grant unused for 30 days lapses. */
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;

/** The canonical resource a request's origin serves: its /mcp. Tokens are bound to exactly this. */
export const resourceFor = (origin: string) => `${origin}${MCP_PATH}`;

type Handler = { fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> };

/**
 * One provider per request, configured for the request's own origin (Host was checked against
 * SWITCHYARD_ALLOWED_HOSTS before this runs): a token issued at one allowed host is refused at
 * another, and `resource` must name this origin's /mcp.
 */
export function createOAuthProvider(app: Handler, origin: string): OAuthProvider<Env> {
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
      const tenant = tenantForToken(parseTokenPairs(env.SWITCHYARD_TOKENS), token);
      if (!tenant) return null;
      const props: TenantGrant = { tenant };
      return { props, audience: resource };
    },
  });
}
