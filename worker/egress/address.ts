// What a URL's host is: the hostname WHATWG URL parsing leaves (it already folds decimal, octal, hex
// and short IPv4 spellings, percent-encoding and full-width forms) made canonical — trailing dots
// dropped, IPv4 carried inside IPv6 unwrapped — and classified against the special-purpose ranges
// and names the edge must not reach. No DNS here: a name is judged by its spelling alone.

export type Address =
  | { kind: "ipv4"; text: string; value: number }
  | { kind: "ipv6"; text: string; value: bigint }
  | { kind: "name"; text: string };

/** Why an address is not an ordinary public one: what it is and the range or name rule it falls in. */
export interface SpecialUse {
  what: string;
  range: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): number | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

const formatIpv4 = (v: number) => [24, 16, 8, 0].map((shift) => (v >>> shift) & 255).join(".");

/** An IPv6 address in the hex-group form WHATWG serialises (no brackets, no dotted tail). */
function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

interface Range<T> {
  net: T;
  bits: number;
  what: string;
  range: string;
}

function v4(range: string, what: string): Range<number> {
  const [net, bits] = range.split("/");
  return { net: parseIpv4(net!)!, bits: Number(bits), what, range };
}

function v6(range: string, what: string): Range<bigint> {
  const [net, bits] = range.split("/");
  return { net: parseIpv6(net!)!, bits: Number(bits), what, range };
}

const inV4 = (value: number, r: Range<number>) => value >>> (32 - r.bits) === r.net >>> (32 - r.bits);
const inV6 = (value: bigint, r: Range<bigint>) =>
  value >> BigInt(128 - r.bits) === r.net >> BigInt(128 - r.bits);

/** IANA's IPv4 special-purpose registry, less what is globally reachable, plus multicast. */
const SPECIAL_V4 = [
  v4("0.0.0.0/8", "this-network"),
  v4("10.0.0.0/8", "private"),
  v4("100.64.0.0/10", "shared (carrier-grade NAT)"),
  v4("127.0.0.0/8", "loopback"),
  v4("169.254.0.0/16", "link-local"),
  v4("172.16.0.0/12", "private"),
  v4("192.0.0.0/24", "IETF protocol assignment"),
  v4("192.0.2.0/24", "documentation"),
  v4("192.88.99.0/24", "6to4 relay"),
  v4("192.168.0.0/16", "private"),
  v4("198.18.0.0/15", "benchmarking"),
  v4("198.51.100.0/24", "documentation"),
  v4("203.0.113.0/24", "documentation"),
  v4("224.0.0.0/4", "multicast"),
  v4("240.0.0.0/4", "reserved or broadcast"),
];

/** IPv6 ranges refused outright. */
const SPECIAL_V6 = [
  v6("::/128", "unspecified"),
  v6("::1/128", "loopback"),
  v6("64:ff9b:1::/48", "NAT64 local-use"),
  v6("100::/64", "discard-only"),
  v6("2001::/32", "Teredo tunnel"),
  v6("2001:2::/48", "benchmarking"),
  v6("2001:db8::/32", "documentation"),
  v6("3fff::/20", "documentation"),
  v6("fc00::/7", "unique-local"),
  v6("fe80::/10", "link-local"),
  v6("fec0::/10", "site-local"),
  v6("ff00::/8", "multicast"),
];

/** IPv6 forms that are an IPv4 address on the same host: canonicalised to that IPv4 address. */
const SAME_HOST_V4 = [
  v6("::ffff:0:0/96", "IPv4-mapped"),
  v6("::ffff:0:0:0/96", "IPv4-translated"),
  v6("::/96", "IPv4-compatible"),
];

/** IPv6 forms that reach an IPv4 address through a gateway: special when that address is. */
const GATEWAY_V4: { range: Range<bigint>; extract: (value: bigint) => number }[] = [
  { range: v6("64:ff9b::/96", "NAT64"), extract: (v) => Number(v & 0xffffffffn) },
  { range: v6("2002::/16", "6to4"), extract: (v) => Number((v >> 80n) & 0xffffffffn) },
];

/** Names for this machine or a private network, whatever DNS would say. */
const LOCAL_NAMES = new Map([
  ["localhost", "loopback"],
  ["localhost.localdomain", "loopback"],
  ["localhost6", "loopback"],
  ["localhost6.localdomain6", "loopback"],
  ["ip6-localhost", "loopback"],
  ["ip6-loopback", "loopback"],
  ["metadata.goog", "cloud metadata"],
]);

/** Suffixes reserved for local or private use (RFC 6761, 6762 and its appendix G, 8375, ICANN `.internal`). */
const LOCAL_SUFFIXES = [
  ["localhost", "loopback"],
  ["local", "multicast DNS"],
  ["internal", "private-use"],
  ["home.arpa", "home network"],
  ["lan", "private-use"],
  ["home", "private-use"],
  ["corp", "private-use"],
  ["intranet", "private-use"],
  ["private", "private-use"],
] as const;

/**
 * A special IPv4 address spelled inside a name by four consecutive dot- or dash-separated labels
 * (`127.0.0.1.nip.io`, `app-10-0-0-1.sslip.io`): wildcard DNS services answer such names with it.
 */
function embeddedSpecialV4(name: string): SpecialUse | undefined {
  const labels = name.split(/[.-]/);
  for (let i = 0; i + 4 <= labels.length; i++) {
    const inner = parseIpv4(labels.slice(i, i + 4).join("."));
    const special = inner === undefined ? undefined : SPECIAL_V4.find((r) => inV4(inner, r));
    if (special) return { what: `${special.what} (spelled in a name)`, range: special.range };
  }
  return undefined;
}

/** The canonical form of a WHATWG-parsed hostname (`URL.hostname`). */
export function canonicalAddress(hostname: string): Address {
  const host = hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) {
    const value = parseIpv6(host.slice(1, -1));
    if (value !== undefined) {
      // `::` and `::1` sit inside ::/96 but are IPv6's own unspecified and loopback addresses.
      if (value > 1n && SAME_HOST_V4.some((r) => inV6(value, r))) {
        const v = Number(value & 0xffffffffn);
        return { kind: "ipv4", text: formatIpv4(v), value: v };
      }
      return { kind: "ipv6", text: host, value };
    }
  }
  const value = parseIpv4(host);
  if (value !== undefined) return { kind: "ipv4", text: formatIpv4(value), value };
  return { kind: "name", text: host.replace(/\.+$/, "") };
}

/** Why the edge may not reach `address` on its own say-so, or undefined for an ordinary public one. */
export function specialUseOf(address: Address): SpecialUse | undefined {
  switch (address.kind) {
    case "ipv4":
      return SPECIAL_V4.find((r) => inV4(address.value, r));
    case "ipv6": {
      const direct = SPECIAL_V6.find((r) => inV6(address.value, r));
      if (direct) return direct;
      for (const { range, extract } of GATEWAY_V4) {
        if (!inV6(address.value, range)) continue;
        const inner = extract(address.value);
        const special = SPECIAL_V4.find((r) => inV4(inner, r));
        if (special)
          return {
            what: `${special.what} via ${range.what}`,
            range: `${special.range} inside ${range.range}`,
          };
      }
      return undefined;
    }
    case "name": {
      const name = address.text;
      const exact = LOCAL_NAMES.get(name);
      if (exact) return { what: exact, range: `"${name}"` };
      const suffix = LOCAL_SUFFIXES.find(([s]) => name === s || name.endsWith(`.${s}`));
      if (suffix) return { what: suffix[1], range: `*.${suffix[0]}` };
      // Resolved through the local resolver's search domains, never public DNS.
      if (!name.includes(".")) return { what: "single-label", range: "names without a dot" };
      return embeddedSpecialV4(name);
    }
  }
}
