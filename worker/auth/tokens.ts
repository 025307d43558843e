// Bearer tokens: `tenant=token` pairs (comma separated) in a variable, resolved to the tenant.
// MCP tokens and runner tokens come from different variables and never open each other's door.

import { parsedOnce } from "../parsed-once.ts";

/** Parses `tenant=token,tenant2=token2`; malformed pairs are ignored, never half-read. */
export const parseTokenPairs = parsedOnce((raw): ReadonlyMap<string, string> => {
  const byToken = new Map<string, string>();
  for (const pair of (raw ?? "").split(",")) {
    const at = pair.indexOf("=");
    const tenant = pair.slice(0, at).trim();
    const token = pair.slice(at + 1).trim();
    if (at > 0 && tenant && token && /^[A-Za-z0-9_.-]{1,64}$/.test(tenant)) byToken.set(token, tenant);
  }
  return byToken;
});

/** The tenants a pairs variable names. */
export const tenantsOf = parsedOnce((raw): ReadonlySet<string> => new Set(parseTokenPairs(raw).values()));

export function bearerToken(header: string | undefined | null): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

const encoder = new TextEncoder();
/** Each token table's candidates as bytes, encoded once (tables come from parsedOnce, so they live as long). */
const encodedTables = new WeakMap<ReadonlyMap<string, string>, [Uint8Array, string][]>();

/** Whether two texts are equal, compared in constant time. */
export const sameSecret = (x: string, y: string) => timingSafeEqual(encoder.encode(x), encoder.encode(y));

/** The tenant a token belongs to, compared in constant time per candidate. */
export function tenantForToken(
  tokens: ReadonlyMap<string, string>,
  token: string | undefined,
): string | undefined {
  if (!token) return undefined;
  let candidates = encodedTables.get(tokens);
  if (!candidates) {
    candidates = [...tokens].map(([candidate, tenant]) => [encoder.encode(candidate), tenant]);
    encodedTables.set(tokens, candidates);
  }
  const given = encoder.encode(token);
  let found: string | undefined;
  for (const [candidate, tenant] of candidates) if (timingSafeEqual(candidate, given)) found = tenant;
  return found;
}

/** Whether two byte strings are equal, compared in time that depends on their lengths only. */
export function timingSafeEqual(x: Uint8Array, y: Uint8Array): boolean {
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
