// Hono middleware against DNS rebinding and cross-site requests: the `Host` a request names and a
// browser's `Origin` must be loopback (local serving) or a hostname in SWITCHYARD_ALLOWED_HOSTS.
// Runs before authentication, so a refused request never reaches a token check or a tool.
import { createMiddleware } from "hono/factory";
import type { Env } from "../env.ts";
import { parsedOnce } from "../parsed-once.ts";
import { LOOPBACK_HOSTNAMES } from "../../shared/loopback.ts";

/** The lowercased hostname of a `host[:port]`, or undefined when it is not one. */
function hostnameOf(authority: string): string | undefined {
  if (!authority || /[\s/?#@\\]/.test(authority)) return undefined;
  try {
    return new URL(`http://${authority}`).hostname.replace(/\.$/, "");
  } catch {
    return undefined; // not a host at all: refused like a foreign one
  }
}

/** Parses `a.example.com,b.example.com` (ports, if written, are ignored). */
export const parseAllowedHosts = parsedOnce((raw): ReadonlySet<string> => {
  const hosts = (raw ?? "").split(",").map((h) => hostnameOf(h.trim()));
  return new Set(hosts.filter((h): h is string => h !== undefined));
});

/**
 * Every hostname served, for checks that match names exactly (the MCP handler's own Host and
 * Origin validation): loopback, the listed hosts, and each with the trailing dot hostnameOf drops.
 */
export const servedHostnames = (env: Pick<Env, "SWITCHYARD_ALLOWED_HOSTS">): string[] =>
  servedOf(env.SWITCHYARD_ALLOWED_HOSTS);

const servedOf = parsedOnce((raw) => {
  const names = [...LOOPBACK_HOSTNAMES, ...parseAllowedHosts(raw)];
  return [...names, ...names.filter((n) => !n.startsWith("[")).map((n) => `${n}.`)];
});

const isAllowed = (hostname: string | undefined, allowed: ReadonlySet<string>) =>
  hostname !== undefined && (LOOPBACK_HOSTNAMES.has(hostname) || allowed.has(hostname));

/**
 * With SWITCHYARD_ALLOWED_HOSTS unset only loopback is served, and a deployed Worker answers 421
 * until its hostname is listed. Failing closed is deliberate: a Host the Worker was not told about
 * looks the same whether it is the Worker's own new name or a rebinding attacker's (say `wrangler
 * dev` on a LAN address), and the refusal names the host and the variable to list it in.
 */
export const requireAllowedHost = () =>
  createMiddleware<{ Bindings: Env }>(async (c, next) => {
    const allowed = parseAllowedHosts(c.env.SWITCHYARD_ALLOWED_HOSTS);
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    const hostname = hostnameOf(host);
    if (!isAllowed(hostname, allowed)) {
      return c.json(
        {
          error: "misdirected_request",
          message: `Host ${JSON.stringify(host.slice(0, 255))} is not served here; expected a loopback host or one listed in SWITCHYARD_ALLOWED_HOSTS`,
        },
        421,
      );
    }
    // Browsers always send Origin on cross-site and WebSocket requests; other clients send none.
    const origin = c.req.header("origin");
    if (origin !== undefined && !isAllowed(originHostname(origin), allowed)) {
      return c.json(
        {
          error: "forbidden",
          message: `Origin ${JSON.stringify(origin.slice(0, 255))} is not allowed; expected a loopback origin or a host listed in SWITCHYARD_ALLOWED_HOSTS`,
        },
        403,
      );
    }
    await next();
  });

/** The hostname of an Origin (`scheme://host[:port]`); `null` and opaque origins have none. */
function originHostname(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.host ? hostnameOf(url.host) : undefined;
  } catch {
    return undefined;
  }
}
