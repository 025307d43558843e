// The loopback host names: where plain http is acceptable (local serving, `wrangler dev`), for the
// Worker judging a request's Host and for a client deciding where a bearer token may go unencrypted.

/** Loopback names as a URL's `hostname` spells them (IPv6 in brackets), with any port. */
export const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Whether a URL's hostname is one of the loopback names served locally. */
export const isLoopbackHostname = (hostname: string) => LOOPBACK_HOSTNAMES.has(hostname);
