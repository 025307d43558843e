// Which hosts the edge may fetch. The edge refuses loopback, private and link-local addresses so
// a tenant cannot make the Worker reach internal services; SWITCHYARD_EDGE_ALLOW_HOSTS lifts that
// for named hosts (local development and tests).
import { badRequest } from "../errors.ts";

const PRIVATE_V4 = [/^127\./, /^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^169\.254\./, /^0\./];

/** True for hostnames that name this machine or a private network. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local")) return true;
  if (PRIVATE_V4.some((re) => re.test(host))) return true;
  // IPv6 loopback, unique-local (fc00::/7) and link-local (fe80::/10).
  return (
    host === "::1" || host === "::" || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host)
  );
}

export function parseAllowHosts(raw: string | undefined): Set<string> {
  return new Set(
    (raw ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Throws a bad_request naming `field` when the edge may not fetch `url`. */
export function assertEdgeMayFetch(url: string, field: string, allowHosts: Set<string>): void {
  const parsed = URL.parse(url);
  if (!parsed) throw badRequest(field, `expected an absolute http(s) URL; got "${url.slice(0, 200)}"`);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw badRequest(field, `expected an http(s) URL; got "${parsed.protocol}"`);
  }
  if (isPrivateHost(parsed.hostname) && !allowHosts.has(parsed.hostname.toLowerCase())) {
    throw badRequest(field, `the edge does not fetch loopback or private addresses ("${parsed.hostname}")`);
  }
}

/** A fetch that refuses what `assertEdgeMayFetch` refuses, for every request a backend makes. */
export function createGuardedFetch(allowHosts: Set<string>, inner: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    assertEdgeMayFetch(url, "url", allowHosts);
    return inner(input, init);
  };
}
