// Invitations: single-use codes (`tenant=code` pairs in SWITCHYARD_INVITES) that sign a person in on
// the consent page for a tenant without handing them its key. Only the consent page reads them: a code
// is never a bearer token on /mcp or /runner/connect. A redeemed code is marked in OAUTH_KV by its hash.
import type { Env } from "../env.ts";
import { sha256Hex } from "./secrets.ts";
import { parseTokenPairs, tenantForToken, tenantsOf } from "./tokens.ts";

/** Shorter codes are guessable enough to be refused outright. */
const MIN_INVITE_LENGTH = 16;

const USED_PREFIX = "switchyard-invite-used:";

/**
 * The invitations in force, code → tenant: pairs parsed as tokens are; a code that is too short, or
 * names a tenant without a key (its grant would be refused on /mcp), is logged by tenant and ignored.
 */
function parseInvites(env: Pick<Env, "SWITCHYARD_INVITES" | "SWITCHYARD_TOKENS">): Map<string, string> {
  const tenants = tenantsOf(env.SWITCHYARD_TOKENS);
  const invites = new Map<string, string>();
  for (const [code, tenant] of parseTokenPairs(env.SWITCHYARD_INVITES)) {
    if (code.length < MIN_INVITE_LENGTH)
      console.warn(`SWITCHYARD_INVITES: a code for ${tenant} is shorter than ${MIN_INVITE_LENGTH}: ignored`);
    else if (!tenants.has(tenant))
      console.warn(`SWITCHYARD_INVITES: ${tenant} has no key in SWITCHYARD_TOKENS: its code is ignored`);
    else invites.set(code, tenant);
  }
  return invites;
}

export type Redemption = { tenant: string } | { refused: "unknown" | "used" };

/** Redeems `code` once: the tenant it grants, or why not. The mark is written before any grant. */
export async function redeemInvite(env: Env, code: string): Promise<Redemption> {
  const tenant = tenantForToken(parseInvites(env), code);
  if (!tenant) return { refused: "unknown" };
  const key = USED_PREFIX + (await sha256Hex(code));
  if ((await env.OAUTH_KV.get(key)) !== null) return { refused: "used" };
  await env.OAUTH_KV.put(key, JSON.stringify({ tenant, used_at: new Date().toISOString() }));
  return { tenant };
}
