// The dashboard's cookies: on https origins `__Host-` named and Secure (bound to the host), plain on
// http loopback; always HttpOnly, SameSite=Strict, Path=/. The session's lives as long as the session.
import { formatCredential, parseCredential, type Credential } from "./credential.ts";

/** How long a dashboard session lives (s). */
export const SESSION_TTL_S = 12 * 3600;

const isHttps = (origin: string) => origin.startsWith("https:");

/** Cookie `base` as `origin` names it. */
export const cookieName = (origin: string, base: string) => (isHttps(origin) ? `__Host-${base}` : base);

/** The Set-Cookie value of cookie `base` holding `value` for `maxAgeS` seconds (0 removes it). */
export const setCookie = (origin: string, base: string, value: string, maxAgeS: number) =>
  `${cookieName(origin, base)}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}` +
  (isHttps(origin) ? "; Secure" : "");

const SESSION = "sy_session";

/** The Set-Cookie value that holds `credential` for the session's lifetime. */
export const sessionCookie = (origin: string, credential: Credential) =>
  setCookie(origin, SESSION, formatCredential(credential), SESSION_TTL_S);

/** The Set-Cookie value that removes the session cookie. */
export const clearedSessionCookie = (origin: string) => setCookie(origin, SESSION, "", 0);

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
  parseCredential(cookieValue(request.headers.get("cookie"), cookieName(origin, SESSION)));
