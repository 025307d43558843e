// The dashboard's session cookie: `__Host-sy_session` on https origins (Secure, bound to the host),
// `sy_session` on http loopback; HttpOnly, SameSite=Strict, Path=/, for the session's lifetime.
import { formatCredential, parseCredential, type Credential } from "./credential.ts";

/** How long a dashboard session lives (s). */
export const SESSION_TTL_S = 12 * 3600;

const isHttps = (origin: string) => origin.startsWith("https:");

export const sessionCookieName = (origin: string) => (isHttps(origin) ? "__Host-sy_session" : "sy_session");

const attributes = (origin: string, maxAgeS: number) =>
  `HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${isHttps(origin) ? "; Secure" : ""}`;

/** The Set-Cookie value that holds `credential` for the session's lifetime. */
export const sessionCookie = (origin: string, credential: Credential) =>
  `${sessionCookieName(origin)}=${formatCredential(credential)}; ${attributes(origin, SESSION_TTL_S)}`;

/** The Set-Cookie value that removes the session cookie. */
export const clearedSessionCookie = (origin: string) =>
  `${sessionCookieName(origin)}=; ${attributes(origin, 0)}`;

/** The value of cookie `name` in a Cookie header, if it is there. */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  for (const pair of (header ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** The session credential a request's cookie carries, if it carries one of the right shape. */
export const sessionCredential = (request: Request, origin: string): Credential | undefined =>
  parseCredential(cookieValue(request.headers.get("cookie"), sessionCookieName(origin)));
