// The egress fixtures as tests inside workerd see them (TEST_EGRESS), their hit counts, and the
// table of URL spellings the edge must refuse: each row names a special-purpose address, most of
// them spelled to reach one of the traps if the guard let them through.
import { env } from "cloudflare:test";
import type { EgressFixtureUrls, Hit } from "../../fixtures/egress-traps.ts";

export { TRAP_BODY } from "../../fixtures/egress-traps.ts";

export const egress = JSON.parse(
  (env as unknown as { TEST_EGRESS: string }).TEST_EGRESS,
) as EgressFixtureUrls;

/** Everything the fixtures have recorded so far. */
export async function hits(): Promise<Record<"trap" | "redirector" | "receiver", Hit[]>> {
  const res = await fetch(`${egress.control}/hits`);
  return (await res.json()) as Record<"trap" | "redirector" | "receiver", Hit[]>;
}

const b64 = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** A redirector URL answering `status` with `location`; `rest` is appended as a path. */
export const redirectTo = (location: string, status = 302, rest = "") =>
  `${egress.redirector}/to/${status}/${b64(location)}/${rest}`;

/** A redirector URL that redirects `hops` times to itself, then to `location`. */
export const hopsThen = (hops: number, location: string, status = 302) =>
  `${egress.redirector}/hop/${hops}/${status}/${b64(location)}/`;

/** The redirector serving an agent card (under `<url>/.well-known/agent-card.json`) naming `endpoint`. */
export const cardNaming = (endpoint: string) => `${egress.redirector}/card/${b64(endpoint)}/`;

export interface Spelling {
  url: string;
  /** `canonicalAddress(new URL(url).hostname).text`. */
  canonical: string;
  /** True when the spelling reaches a trap if fetched without the guard. */
  trap: boolean;
}

const { v4a, v4b, v4c, v6 } = egress.traps;
const r = new URL(egress.redirector).port;
const trap = (url: string, canonical: string): Spelling => ({ url, canonical, trap: true });
const far = (url: string, canonical: string): Spelling => ({ url, canonical, trap: false });

/** URL spellings of special-purpose addresses, none of them allowed by the tests' allow list. */
export const SPELLINGS: Spelling[] = [
  // 127.0.0.2: loopback, not allowed, in every IPv4 and IPv4-in-IPv6 spelling.
  trap(`http://127.0.0.2:${v4b}/`, "127.0.0.2"),
  trap(`http://2130706434:${v4b}/`, "127.0.0.2"),
  trap(`http://0x7f000002:${v4b}/`, "127.0.0.2"),
  trap(`http://0x7f.2:${v4b}/`, "127.0.0.2"),
  trap(`http://0x7f.0x0.0x0.0x2:${v4b}/`, "127.0.0.2"),
  trap(`http://127.2:${v4b}/`, "127.0.0.2"),
  trap(`http://127.0.2:${v4b}/`, "127.0.0.2"),
  trap(`http://0177.0.0.2:${v4b}/`, "127.0.0.2"),
  trap(`http://017700000002:${v4b}/`, "127.0.0.2"),
  trap(`http://127.000.000.002:${v4b}/`, "127.0.0.2"),
  trap(`http://127.0.0.2.:${v4b}/`, "127.0.0.2"),
  trap(`http://127.0.0.2%2e:${v4b}/`, "127.0.0.2"),
  trap(`http://１２７.０.０.２:${v4b}/`, "127.0.0.2"),
  trap(`http://127。0。0。2:${v4b}/`, "127.0.0.2"),
  trap(`http://[::ffff:127.0.0.2]:${v4b}/`, "127.0.0.2"),
  trap(`http://[::ffff:7f00:2]:${v4b}/`, "127.0.0.2"),
  trap(`http://[0:0:0:0:0:ffff:7f00:2]:${v4b}/`, "127.0.0.2"),
  trap(`http://[::FFFF:7F00:2]:${v4b}/`, "127.0.0.2"),
  far(`http://[::ffff:0:7f00:2]:${v4b}/`, "127.0.0.2"),
  far(`http://[::127.0.0.2]:${v4b}/`, "127.0.0.2"),
  far(`http://[64:ff9b::127.0.0.2]:${v4b}/`, "[64:ff9b::7f00:2]"),
  far(`http://[2002:7f00:2::]:${v4b}/`, "[2002:7f00:2::]"),
  // 127.0.0.3: allowed on the redirector's port only.
  trap(`http://127.0.0.3:${v4c}/`, "127.0.0.3"),
  trap(`http://0x7f000003:${v4c}/`, "127.0.0.3"),
  trap(`http://[::ffff:127.0.0.3]:${v4c}/`, "127.0.0.3"),
  far(`https://127.0.0.3:${v4c}/`, "127.0.0.3"),
  far(`http://127.0.0.3/`, "127.0.0.3"),
  far(`https://127.0.0.3/`, "127.0.0.3"),
  // Names for this machine: only the literal 127.0.0.1 is allowed, not what resolves to it.
  trap(`http://localhost:${v4a}/`, "localhost"),
  far(`http://localhost.:${v4a}/`, "localhost"),
  trap(`http://LOCALHOST:${v4a}/`, "localhost"),
  trap(`http://%6c%6fcalhost:${v4a}/`, "localhost"),
  trap(`http://ｌｏｃａｌｈｏｓｔ:${v4a}/`, "localhost"),
  far(`http://localhost..:${v4a}/`, "localhost"),
  far(`http://api.localhost:${v4a}/`, "api.localhost"),
  far(`http://localhost.localdomain:${v4a}/`, "localhost.localdomain"),
  far(`http://ip6-localhost:${v6 ?? v4a}/`, "ip6-localhost"),
  far(`http://localhost6:${v6 ?? v4a}/`, "localhost6"),
  // IPv6 loopback and unspecified, this-network IPv4.
  ...(v6 ? [trap(`http://[::1]:${v6}/`, "[::1]"), trap(`http://[0:0:0:0:0:0:0:1]:${v6}/`, "[::1]")] : []),
  far(`http://[::]:${v4a}/`, "[::]"),
  far(`http://0.0.0.0:${v4a}/`, "0.0.0.0"),
  far(`http://0:${v4a}/`, "0.0.0.0"),
  far(`http://[::ffff:0.0.0.0]:${v4a}/`, "0.0.0.0"),
  far(`http://0.1.2.3/`, "0.1.2.3"),
  // Cloud metadata.
  far(`http://169.254.169.254/latest/meta-data/`, "169.254.169.254"),
  far(`http://[::ffff:169.254.169.254]/`, "169.254.169.254"),
  far(`http://[::ffff:a9fe:a9fe]/`, "169.254.169.254"),
  far(`http://[fd00:ec2::254]/`, "[fd00:ec2::254]"),
  far(`http://metadata.google.internal/computeMetadata/v1/`, "metadata.google.internal"),
  far(`http://metadata.goog/`, "metadata.goog"),
  far(`http://100.100.100.200/latest/meta-data/`, "100.100.100.200"),
  // Private, shared, benchmarking, protocol, reserved, broadcast and multicast IPv4.
  far(`http://10.0.0.1/`, "10.0.0.1"),
  far(`http://172.16.0.1/`, "172.16.0.1"),
  far(`http://172.31.255.255/`, "172.31.255.255"),
  far(`http://192.168.1.1/`, "192.168.1.1"),
  far(`http://100.64.0.1/`, "100.64.0.1"),
  far(`http://198.18.0.1/`, "198.18.0.1"),
  far(`http://192.0.0.1/`, "192.0.0.1"),
  far(`http://240.0.0.1/`, "240.0.0.1"),
  far(`http://255.255.255.255/`, "255.255.255.255"),
  far(`http://224.0.0.1/`, "224.0.0.1"),
  far(`http://[::ffff:10.0.0.1]/`, "10.0.0.1"),
  // Private, link-local, site-local, NAT64, 6to4, Teredo and multicast IPv6.
  far(`http://[fe80::1]/`, "[fe80::1]"),
  far(`http://[fec0::1]/`, "[fec0::1]"),
  far(`http://[fc00::1]/`, "[fc00::1]"),
  far(`http://[64:ff9b::a9fe:a9fe]/`, "[64:ff9b::a9fe:a9fe]"),
  far(`http://[64:ff9b:1::1]/`, "[64:ff9b:1::1]"),
  far(`http://[2002:a9fe:a9fe::1]/`, "[2002:a9fe:a9fe::1]"),
  far(`http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/`, "[2001:0:4136:e378:8000:63bf:3fff:fdd2]"),
  far(`http://[ff02::1]/`, "[ff02::1]"),
  // Local and private-use names.
  far(`http://printer.local/`, "printer.local"),
  far(`http://db.internal/`, "db.internal"),
  far(`http://router.home.arpa/`, "router.home.arpa"),
  far(`http://intranet/`, "intranet"),
  // Public names that wildcard DNS services resolve to the address they spell.
  far(`http://127.0.0.2.nip.io:${v4b}/`, "127.0.0.2.nip.io"),
  far(`http://app-127-0-0-2.sslip.io:${v4b}/`, "app-127-0-0-2.sslip.io"),
  far(`http://1.169.254.169.254.nip.io/`, "1.169.254.169.254.nip.io"),
  // Credentials in the URL, on an allowed origin.
  far(`http://good@127.0.0.3:${r}/`, "127.0.0.3"),
];
