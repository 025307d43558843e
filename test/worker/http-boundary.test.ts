// What the endpoint accepts over HTTP, before any auth or tool: only POST on /mcp (405 + Allow
// otherwise), a loopback or listed Host (421 otherwise), a browser Origin of the same kind (403
// otherwise), and request bodies up to 4 MiB (413). Refused requests run nothing.
import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKENS, connect, readRpc, type TestClient } from "./support/mcp.ts";

const AUTH = { authorization: `Bearer ${TOKENS.acme}` };
const JSON_RPC = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const SPAWN = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "manage_lane", arguments: { operation: "upsert", lane_id: "from-a-foreign-host" } },
});

/** A tools/call that would store a lane if it ran, sent to `url` with extra headers. */
const post = (url: string, headers: Record<string, string> = {}, body = SPAWN) =>
  SELF.fetch(url, { method: "POST", headers: { ...JSON_RPC, ...AUTH, ...headers }, body });

describe("HTTP boundary", () => {
  let c: TestClient;
  const lanes = async () => (await c.ok("manage_lane", { operation: "list" })).lanes.length as number;
  beforeAll(async () => {
    c = await connect();
  });
  afterAll(() => c.close());

  it.each(["GET", "DELETE", "PUT", "PATCH"])("%s /mcp → 405 with Allow: POST", async (method) => {
    const res = await SELF.fetch("http://switchyard.test/mcp", {
      method,
      headers: { ...AUTH, accept: "text/event-stream" },
      ...(method === "PUT" || method === "PATCH" ? { body: SPAWN } : {}),
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: string }).error).toBe("method_not_allowed");
  });

  it("GET /runner/connect is still served (426 without an upgrade), and /health", async () => {
    expect((await SELF.fetch("http://switchyard.test/runner/connect")).status).toBe(426);
    expect((await SELF.fetch("http://switchyard.test/health")).status).toBe(200);
  });

  it.each([
    ["a foreign URL host", "http://evil.example.com/mcp", {}],
    ["a foreign Host header", "http://switchyard.test/mcp", { host: "evil.example.com" }],
    ["a foreign Host with a loopback port", "http://switchyard.test/mcp", { host: "evil.example.com:8787" }],
    ["a lookalike of loopback", "http://switchyard.test/mcp", { host: "127.0.0.1.evil.example.com" }],
    ["a lookalike of localhost", "http://switchyard.test/mcp", { host: "localhost.evil.example.com" }],
    ["a lookalike of an allowed host", "http://switchyard.test/mcp", { host: "switchyard.test.evil.com" }],
    ["a Host with userinfo", "http://switchyard.test/mcp", { host: "127.0.0.1@evil.example.com" }],
  ])("%s → 421 before auth, nothing runs", async (_name, url, headers) => {
    const before = await lanes();
    const res = await post(url, headers);
    expect(res.status).toBe(421);
    expect(((await res.json()) as { error: string }).error).toBe("misdirected_request");
    expect(await lanes()).toBe(before);
  });

  it("a foreign Host is refused on every route, with or without a token", async () => {
    const foreign = { host: "evil.example.com" };
    for (const path of ["/health", "/runner/connect", "/mcp", "/nope"])
      expect((await SELF.fetch(`http://switchyard.test${path}`, { headers: foreign })).status).toBe(421);
    expect((await post("http://switchyard.test/mcp", { ...foreign, authorization: "" })).status).toBe(421);
  });

  it.each([
    ["a foreign origin", "http://evil.example.com"],
    ["a foreign origin on a loopback port", "http://evil.example.com:8787"],
    ["an opaque origin", "null"],
    ["a file origin", "file://"],
    ["a lookalike of an allowed host", "https://switchyard.test.evil.com"],
  ])("%s → 403 before auth, nothing runs", async (_name, origin) => {
    const before = await lanes();
    const res = await post("http://switchyard.test/mcp", { origin });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("forbidden");
    expect(await lanes()).toBe(before);
  });

  it.each([
    ["the listed host", "http://switchyard.test/mcp", {}],
    [
      "the listed host with a port, upper case",
      "http://switchyard.test/mcp",
      { host: "SWITCHYARD.test:443" },
    ],
    ["the listed host's origin", "http://switchyard.test/mcp", { origin: "https://switchyard.test" }],
    ["127.0.0.1 with a port", "http://127.0.0.1:8787/mcp", {}],
    ["localhost with its origin", "http://localhost:3000/mcp", { origin: "http://localhost:3000" }],
    ["[::1] with a port", "http://[::1]:8787/mcp", {}],
    [
      "a loopback origin on the listed host",
      "http://switchyard.test/mcp",
      { origin: "http://127.0.0.1:5173" },
    ],
  ])("%s → served", async (name, url, headers) => {
    const body = SPAWN.replace("from-a-foreign-host", `served-${name.replace(/\W+/g, "-")}`.slice(0, 64));
    const before = await lanes();
    const res = await post(url, headers, body);
    expect(res.status).toBe(200);
    const answer = (await readRpc(res)) as { result: { isError?: boolean } };
    expect(answer.result.isError).toBeUndefined();
    expect(await lanes()).toBe(before + 1);
  });

  it("a body over 4 MiB → 413 before it is parsed, nothing runs", async () => {
    const before = await lanes();
    const huge = SPAWN.replace('"operation"', `"pad":"${"x".repeat(4 * 1024 * 1024)}","operation"`);
    const res = await post("http://switchyard.test/mcp", {}, huge);
    expect(res.status).toBe(413);
    expect(await lanes()).toBe(before);
  });
});
