// The edge's egress rule for one URL: http(s) only, no credentials in it, and no special-purpose
// address (loopback, private, link-local, metadata, …) unless SWITCHYARD_EDGE_ALLOW_HOSTS names its
// host and port. Every hop of every edge fetch is judged here (see guarded-fetch.ts).
import { badRequest } from "../../shared/errors.ts";
import { canonicalAddress, specialUseOf } from "./address.ts";
import { isAllowed, type AllowList } from "./allow-list.ts";

const DEFAULT_PORT: Record<string, number> = { "http:": 80, "https:": 443 };

/** Why the edge may not fetch `url`, or undefined when it may. */
export function egressRefusal(url: URL, allow: AllowList): string | undefined {
  const defaultPort = DEFAULT_PORT[url.protocol];
  if (defaultPort === undefined) return `expected an http(s) URL; got "${url.protocol}"`;
  if (url.username || url.password) return "expected no credentials in the URL";
  const address = canonicalAddress(url.hostname);
  const special = specialUseOf(address);
  const port = url.port ? Number(url.port) : defaultPort;
  if (!special || isAllowed(allow, address.text, port)) return undefined;
  return (
    `the edge does not fetch ${special.what} addresses (${special.range}): "${url.host}"` +
    ` is not allowed by SWITCHYARD_EDGE_ALLOW_HOSTS`
  );
}

/** Throws a bad_request naming `field` when the edge may not fetch `url`. */
export function assertEdgeMayFetch(url: string, field: string, allow: AllowList): void {
  const parsed = URL.parse(url);
  if (!parsed) throw badRequest(field, `expected an absolute http(s) URL; got "${url.slice(0, 200)}"`);
  const refusal = egressRefusal(parsed, allow);
  if (refusal) throw badRequest(field, refusal);
}

/** Whether the edge may fetch `url` (false for what is not an absolute URL). */
export function isEdgeReachable(url: string, allow: AllowList): boolean {
  const parsed = URL.parse(url);
  return parsed !== null && egressRefusal(parsed, allow) === undefined;
}
