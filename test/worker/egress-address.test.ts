// The egress policy as plain code: every spelling in the table canonicalises to the address it
// names and is refused under the tests' allow list; ordinary public addresses pass; allow entries
// are `host:port`, `host:*` or a bare host (ports 80 and 443), canonicalised like URLs.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { canonicalAddress, specialUseOf } from "../../worker/egress/address.ts";
import { isAllowed, parseAllowHosts } from "../../worker/egress/allow-list.ts";
import { egressRefusal } from "../../worker/egress/policy.ts";
import { SwitchyardError } from "../../shared/errors.ts";
import { SPELLINGS } from "./support/egress.ts";

const TEST_ALLOW = parseAllowHosts(
  (env as { SWITCHYARD_EDGE_ALLOW_HOSTS?: string }).SWITCHYARD_EDGE_ALLOW_HOSTS,
);
const refusal = (url: string, allow = TEST_ALLOW) => egressRefusal(new URL(url), allow);

describe("the spelling table", () => {
  it("holds more than 50 spellings", () => {
    expect(SPELLINGS.length).toBeGreaterThan(50);
  });

  it.each(SPELLINGS.map((s) => [s.url, s.canonical]))("%s is %s, and refused", (url, canonical) => {
    expect(canonicalAddress(new URL(url).hostname).text).toBe(canonical);
    expect(refusal(url)).toMatch(/the edge does not fetch|credentials/);
  });
});

describe("ordinary public addresses", () => {
  it.each([
    ["https://example.com/", "example.com"],
    ["https://example.com./v1", "example.com"],
    ["http://1.1.1.1/", "1.1.1.1"],
    ["http://11.0.0.1/", "11.0.0.1"],
    ["http://172.32.0.1/", "172.32.0.1"],
    ["http://100.128.0.1/", "100.128.0.1"],
    ["http://198.20.0.1/", "198.20.0.1"],
    ["http://223.255.255.255/", "223.255.255.255"],
    ["http://[2606:4700:4700::1111]/", "[2606:4700:4700::1111]"],
    ["http://[::ffff:8.8.8.8]/", "8.8.8.8"],
    ["http://[64:ff9b::808:808]/", "[64:ff9b::808:808]"],
    ["http://[2002:808:808::1]/", "[2002:808:808::1]"],
    ["https://agent.example.org:8443/a2a", "agent.example.org"],
    ["https://v1.2.3.4.example.com/", "v1.2.3.4.example.com"],
    ["https://release-2024-10-01.example.com/", "release-2024-10-01.example.com"],
  ])("%s (%s) may be fetched", (url, canonical) => {
    expect(canonicalAddress(new URL(url).hostname).text).toBe(canonical);
    expect(specialUseOf(canonicalAddress(new URL(url).hostname))).toBeUndefined();
    expect(refusal(url, [])).toBeUndefined();
  });

  it.each([
    "ftp://example.com/",
    "file:///etc/passwd",
    "data:text/plain,x",
    "javascript:alert(1)",
    "ws://example.com/",
  ])("%s is not http(s)", (url) => {
    expect(refusal(url, [])).toMatch(/expected an http\(s\) URL/);
  });

  it("names what was refused and why", () => {
    expect(refusal("http://[::ffff:169.254.169.254]/", [])).toBe(
      'the edge does not fetch link-local addresses (169.254.0.0/16): "[::ffff:a9fe:a9fe]" is not allowed by SWITCHYARD_EDGE_ALLOW_HOSTS',
    );
    expect(refusal("http://[64:ff9b::7f00:1]/", [])).toMatch(
      /loopback via NAT64 addresses \(127\.0\.0\.0\/8 inside 64:ff9b::\/96\)/,
    );
  });
});

describe("SWITCHYARD_EDGE_ALLOW_HOSTS", () => {
  it("host:PORT allows that port only", () => {
    const allow = parseAllowHosts("127.0.0.1:8080");
    expect(refusal("http://127.0.0.1:8080/", allow)).toBeUndefined();
    expect(refusal("https://127.0.0.1:8080/", allow)).toBeUndefined();
    for (const url of [
      "http://127.0.0.1:8081/",
      "http://127.0.0.1/",
      "https://127.0.0.1/",
      "http://127.0.0.2:8080/",
    ])
      expect(refusal(url, allow), url).toBeDefined();
  });

  it("a bare host allows ports 80 and 443 only", () => {
    const allow = parseAllowHosts("127.0.0.1");
    for (const url of [
      "http://127.0.0.1/",
      "https://127.0.0.1/",
      "http://127.0.0.1:443/",
      "https://127.0.0.1:80/",
    ])
      expect(refusal(url, allow), url).toBeUndefined();
    for (const url of ["http://127.0.0.1:8787/", "http://127.0.0.1:8080/", "https://127.0.0.1:8443/"])
      expect(refusal(url, allow), url).toBeDefined();
  });

  it("host:* allows every port of that host and no other host", () => {
    const allow = parseAllowHosts(" 127.0.0.1:* , ");
    for (const port of [1, 80, 8787, 65535])
      expect(refusal(`http://127.0.0.1:${port}/`, allow)).toBeUndefined();
    expect(refusal("http://127.0.0.2:80/", allow)).toBeDefined();
    expect(refusal("http://localhost:80/", allow)).toBeDefined();
  });

  it("entries are canonicalised like URLs", () => {
    expect(parseAllowHosts("127.1:8080,[::FFFF:127.0.0.2]:*,[::1],Localhost.:9,LAN.:*")).toEqual([
      { host: "127.0.0.1", ports: 8080 },
      { host: "127.0.0.2", ports: "*" },
      { host: "[::1]", ports: "default" },
      { host: "localhost", ports: 9 },
      { host: "lan", ports: "*" },
    ]);
    const allow = parseAllowHosts("[::1]:9000,localhost:9");
    expect(refusal("http://[0:0::1]:9000/", allow)).toBeUndefined();
    expect(refusal("http://localhost.:9/", allow)).toBeUndefined();
    expect(isAllowed(allow, "[::1]", 9001)).toBe(false);
  });

  it.each([
    "127.0.0.1:",
    "127.0.0.1:70000",
    "127.0.0.1:8080:1",
    "::1",
    "[::1",
    "http://127.0.0.1",
    "a b",
    "127.0.0.1:8*",
  ])("refuses the malformed entry %j", (entry) => {
    expect(() => parseAllowHosts(entry)).toThrow(SwitchyardError);
    expect(() => parseAllowHosts(entry)).toThrow(/SWITCHYARD_EDGE_ALLOW_HOSTS: expected/);
  });
});
