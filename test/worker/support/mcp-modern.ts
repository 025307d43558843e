// A 2026-07-28 MCP client (SDK v2, `@modelcontextprotocol/client`, pinned to the modern revision:
// `server/discover` instead of `initialize`, a `_meta` envelope on every request), talking to
// the Worker under test through SELF.fetch.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SELF } from "cloudflare:test";
import { TOKENS } from "./mcp.ts";

export const MODERN_REVISION = "2026-07-28";

export async function connectModern(token: string = TOKENS.acme): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL("http://switchyard.test/mcp"), {
    fetch: (url, init) => SELF.fetch(String(url), init),
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client(
    { name: "switchyard-tests-modern", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: MODERN_REVISION } } },
  );
  await client.connect(transport);
  await client.listTools(); // lets the client check structuredContent against each output schema
  return client;
}
