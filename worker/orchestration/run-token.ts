// Run tokens on the Worker: minted when an orchestrating run is dispatched (its object keeps only
// the SHA-256), and turned back into a grant on every /mcp call while the run lives.
import { formatRunToken, parseRunToken, type RunTokenParts } from "../../shared/runs/run-token.ts";
import type { TenantGrant } from "../auth/grant.ts";
import { randomSecret, sha256Hex } from "../auth/secrets.ts";
import type { Env } from "../env.ts";
import { runStub } from "../objects/stubs.ts";

/** A fresh token for the run (32 random bytes) and the hash its object keeps. */
export async function mintRunToken(parts: RunTokenParts): Promise<{ token: string; hash: string }> {
  const token = formatRunToken(parts, randomSecret());
  return { token, hash: await sha256Hex(token) };
}

/**
 * The grant a run token carries: its tenant, scoped to its run and agent, if the run's object holds the
 * token's hash and the run is live; `null` for a token of the run shape that is not (or no longer)
 * honoured; undefined for any other bearer.
 */
export async function runTokenGrant(
  env: Env,
  token: string | undefined,
): Promise<TenantGrant | null | undefined> {
  const parts = parseRunToken(token);
  if (!parts) return undefined;
  const run = await runStub(env, parts.tenant, parts.run_id);
  const agentName = await run.honoursRunToken(await sha256Hex(token!));
  return agentName === null ? null : { tenant: parts.tenant, run_id: parts.run_id, agent_name: agentName };
}
