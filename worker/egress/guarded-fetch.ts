// The one fetch every edge request goes through (backends today, webhook deliveries next): each hop
// is judged by the egress policy before a byte is sent, redirects are followed here by hand (at most
// MAX_REDIRECTS, each Location judged again), and a hop to another origin keeps only headers that
// carry no credentials, so the run's secret headers never reach a host they were not given for.
import { SwitchyardError } from "../../shared/errors.ts";
import type { AllowList } from "./allow-list.ts";
import { egressRefusal } from "./policy.ts";

/** Most redirects one request may follow. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** CORS-safelisted request headers: what a cross-origin hop may carry. */
const CROSS_ORIGIN_HEADERS = ["accept", "accept-language", "content-language", "content-type"];
/** Headers that describe a body, dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-encoding", "content-language", "content-location", "content-type"];

const refused = (message: string) =>
  new SwitchyardError("bad_request", `egress refused: ${message}`, { field: "url" });

function judged(url: URL, allow: AllowList, via: string): URL {
  const refusal = egressRefusal(url, allow);
  if (refusal) throw refused(`${via}${url.href}: ${refusal}`);
  return url;
}

function keepOnly(headers: Headers, names: readonly string[]): Headers {
  const kept = new Headers();
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) kept.set(name, value);
  }
  return kept;
}

/** A fetch that refuses what the egress policy refuses, on the first hop and every redirect. */
export function createGuardedFetch(
  allow: AllowList,
  // Wrapped so workerd never sees `fetch` invoked as a method of another object ("Illegal invocation").
  inner: typeof fetch = (input, init) => fetch(input, init),
): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    let url = judged(new URL(request.url), allow, "");
    let method = request.method;
    let headers = new Headers(request.headers);
    // Held as bytes so a 307/308 can send the same body again.
    let body = request.body ? await request.arrayBuffer() : undefined;
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    for (let redirects = 0; ; redirects++) {
      const response = await inner(url.href, { method, headers, body, signal, redirect: "manual" });
      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get("location") : null;
      if (location === null) return response;
      // The redirect's own body is discarded unread: none of it may reach the caller.
      await response.body?.cancel();
      const next = URL.parse(location, url);
      if (!next) throw refused(`${url.href} redirected to an invalid URL`);
      if (redirects === MAX_REDIRECTS)
        throw refused(`more than ${MAX_REDIRECTS} redirects from ${request.url}`);
      judged(next, allow, `${url.href} redirected to `);
      if (next.origin !== url.origin) headers = keepOnly(headers, CROSS_ORIGIN_HEADERS);
      const toGet = response.status === 303 ? method !== "HEAD" : response.status <= 302 && method === "POST";
      if (toGet) {
        method = "GET";
        body = undefined;
        for (const name of BODY_HEADERS) headers.delete(name);
      }
      url = next;
    }
  };
}
