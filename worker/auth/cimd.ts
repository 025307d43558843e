// Client ID Metadata Documents: a client_id that is an https URL with a path names a JSON document
// describing the client. Switchyard fetches it itself, through the egress guard (every hop judged;
// SWITCHYARD_EDGE_ALLOW_HOSTS is the only exception), validates it, and stores it as the provider's
// client record under that id for an hour, so the provider (whose own CIMD fetch would bypass the
// guard, and is left off) sees an ordinary public client.
import { z } from "zod";
import { createGuardedFetch } from "../egress/guarded-fetch.ts";
import { parseAllowHosts } from "../egress/allow-list.ts";
import type { Env } from "../env.ts";
import { badRequest, isSwitchyardError } from "../../shared/errors.ts";
import { isLoopbackHostname } from "../../shared/loopback.ts";

/** Largest document read (bytes), as the CIMD draft suggests. */
export const CIMD_MAX_BYTES = 5 * 1024;
/** How long a validated document is used before it is fetched again (s). */
export const CIMD_TTL_S = 3600;
const FETCH_TIMEOUT_MS = 5_000;

/** Whether a client_id names a metadata document: an https URL with a path, no userinfo or fragment. */
export function isCimdClientId(clientId: string): boolean {
  const url = URL.parse(clientId);
  return (
    url !== null &&
    url.protocol === "https:" &&
    url.pathname !== "/" &&
    !url.username &&
    !url.password &&
    !url.hash
  );
}

/** The domain a CIMD client controls (its client_id's host), shown on the consent page; else undefined. */
export const cimdDomain = (clientId: string): string | undefined =>
  isCimdClientId(clientId) ? new URL(clientId).hostname : undefined;

const isSafeRedirect = (uri: string) => {
  const url = URL.parse(uri);
  if (!url || url.hash) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHostname(url.hostname));
};

const CimdSchema = z.object({
  client_id: z.string(),
  client_name: z.string().trim().min(1).max(200),
  redirect_uris: z
    .array(z.string().refine(isSafeRedirect, "expected https or http loopback URLs"))
    .min(1)
    .max(20),
  client_uri: z.url().optional(),
  logo_uri: z.url().optional(),
  // A document cannot carry a secret: only public clients (PKCE) come this way.
  token_endpoint_auth_method: z.literal("none").optional(),
});

/** The provider's client record (its storage schema: `client:<id>` → ClientInfo). */
function toClientRecord(doc: z.infer<typeof CimdSchema>) {
  return {
    clientId: doc.client_id,
    clientName: doc.client_name,
    redirectUris: doc.redirect_uris,
    clientUri: doc.client_uri,
    logoUri: doc.logo_uri,
    grantTypes: ["authorization_code", "refresh_token"],
    responseTypes: ["code"],
    tokenEndpointAuthMethod: "none",
    registrationDate: Math.floor(Date.now() / 1000),
  };
}

async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > CIMD_MAX_BYTES) {
      await reader.cancel();
      throw badRequest("client_id", `the client metadata document is over ${CIMD_MAX_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
}

async function fetchDocument(env: Env, clientId: string): Promise<z.infer<typeof CimdSchema>> {
  const guarded = createGuardedFetch(parseAllowHosts(env.SWITCHYARD_EDGE_ALLOW_HOSTS));
  let response: Response;
  try {
    response = await guarded(clientId, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (e) {
    if (isSwitchyardError(e)) throw badRequest("client_id", e.message);
    throw badRequest("client_id", "the client metadata document could not be fetched");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw badRequest("client_id", `the client metadata document answered HTTP ${response.status}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(await readBounded(response));
  } catch (e) {
    if (isSwitchyardError(e)) throw e;
    throw badRequest("client_id", "the client metadata document is not JSON");
  }
  const doc = CimdSchema.safeParse(json);
  if (!doc.success)
    throw badRequest("client_id", `the client metadata document is invalid: ${z.prettifyError(doc.error)}`);
  if (doc.data.client_id !== clientId)
    throw badRequest("client_id", "the client metadata document names another client_id");
  return doc.data;
}

/**
 * Makes sure a CIMD client_id has a fresh client record; other client ids are left to the
 * provider. Throws a bad_request naming `client_id` when the document is refused or invalid.
 */
export async function ensureCimdClient(env: Env, clientId: string | null | undefined): Promise<void> {
  if (!clientId || !isCimdClientId(clientId)) return;
  const key = `client:${clientId}`;
  if ((await env.OAUTH_KV.get(key)) !== null) return;
  const doc = await fetchDocument(env, clientId);
  await env.OAUTH_KV.put(key, JSON.stringify(toClientRecord(doc)), { expirationTtl: CIMD_TTL_S });
}
