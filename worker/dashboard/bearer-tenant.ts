// Which tenant a bearer token signs a dashboard in as: the tokens /mcp accepts from a person — a
// static SWITCHYARD_TOKENS token, or an OAuth access token bound to this origin's /mcp. A run
// token is never one: it belongs to an agent, and its run's scope has no dashboard.
import { grantOf } from "../auth/grant.ts";
import { resourceFor, staticGrant } from "../auth/oauth.ts";
import { tenantsOf } from "../auth/tokens.ts";
import type { Env } from "../env.ts";

/** The tenant of an OAuth access token bound to `origin`'s /mcp, with the grant it came from. */
export async function oauthTenant(
  env: Env,
  origin: string,
  token: string,
): Promise<{ tenant: string; grantId: string; userId: string } | undefined> {
  const summary = await env.OAUTH_PROVIDER?.unwrapToken(token).catch(() => null);
  if (!summary) return undefined;
  const audience = [summary.audience ?? []].flat();
  const grant = grantOf(summary.grant.props);
  if (!audience.includes(resourceFor(origin)) || !grant || grant.run_id !== undefined) return undefined;
  // A tenant taken out of SWITCHYARD_TOKENS has lost its OAuth grants with its key.
  if (!tenantsOf(env.SWITCHYARD_TOKENS).has(grant.tenant)) return undefined;
  return { tenant: grant.tenant, grantId: summary.grantId, userId: summary.userId };
}

export async function tenantOfBearer(env: Env, origin: string, token: string): Promise<string | undefined> {
  return staticGrant(env, token)?.tenant ?? (await oauthTenant(env, origin, token))?.tenant;
}
