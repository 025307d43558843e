// The OAuth discovery documents: RFC 9728 protected resource metadata (root and /mcp forms), RFC
// 8414 authorization server metadata, and the RFC 9728 challenge on every refused /mcp call.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const ORIGIN = "https://switchyard.test";
const getJson = async (path: string) => {
  const res = await SELF.fetch(`http://switchyard.test${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as Record<string, any>;
};

describe("OAuth metadata", () => {
  it.each(["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"])(
    "%s names /mcp as the resource and this origin as its authorization server",
    async (path) => {
      const doc = await getJson(path);
      expect(doc.resource).toBe(`${ORIGIN}/mcp`);
      expect(doc.authorization_servers).toEqual([ORIGIN]);
      expect(doc.bearer_methods_supported).toEqual(["header"]);
    },
  );

  it("the authorization server metadata offers code + PKCE S256 only, refresh, registration and CIMD", async () => {
    const doc = await getJson("/.well-known/oauth-authorization-server");
    expect(doc.issuer).toBe(ORIGIN);
    expect(doc.authorization_endpoint).toBe(`${ORIGIN}/authorize`);
    expect(doc.token_endpoint).toBe(`${ORIGIN}/oauth/token`);
    expect(doc.registration_endpoint).toBe(`${ORIGIN}/oauth/register`);
    expect(doc.code_challenge_methods_supported).toEqual(["S256"]);
    expect(doc.response_types_supported).toEqual(["code"]);
    expect(doc.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "refresh_token"]),
    );
    expect(doc.grant_types_supported).not.toContain("implicit");
    expect(doc.client_id_metadata_document_supported).toBe(true);
  });

  it.each([
    ["no header", {}],
    ["a wrong token", { authorization: "Bearer nope" }],
    ["a runner token", { authorization: "Bearer runner-token-acme" }],
    ["a token in the provider's own shape", { authorization: "Bearer acme:grant:forged" }],
  ])("%s on /mcp → 401 naming the resource metadata", async (_name, headers) => {
    const res = await SELF.fetch("http://switchyard.test/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(
      /^Bearer .*resource_metadata="https:\/\/switchyard\.test\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
    expect(((await res.json()) as { error: string }).error).toBe("unauthorized");
  });

  it("a loopback origin keeps http: its resource is http://127.0.0.1:<port>/mcp", async () => {
    const res = await SELF.fetch("http://127.0.0.1:8787/.well-known/oauth-protected-resource/mcp");
    expect(((await res.json()) as { resource: string }).resource).toBe("http://127.0.0.1:8787/mcp");
  });

  it("discovery is refused to a foreign Host like every route", async () => {
    const res = await SELF.fetch("http://switchyard.test/.well-known/oauth-authorization-server", {
      headers: { host: "evil.example.com" },
    });
    expect(res.status).toBe(421);
  });
});
