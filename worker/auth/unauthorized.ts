// The one body every refused /mcp request gets, whoever refused it (the OAuth provider's 401s are
// rewritten to it in edge.ts, keeping their RFC 9728 `WWW-Authenticate` challenge).
export const UNAUTHORIZED_BODY = {
  error: "unauthorized",
  message:
    "expected Authorization: Bearer <token> with a static token from SWITCHYARD_TOKENS, an OAuth access token issued for this server's /mcp, or the token of a live orchestrating run",
} as const;

/** `response` (a 401) with Switchyard's JSON body and the same headers. */
export function asUnauthorized(response: Response): Response {
  const headers = new Headers(response.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  return new Response(JSON.stringify(UNAUTHORIZED_BODY), { status: 401, headers });
}
