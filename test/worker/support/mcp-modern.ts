// A 2026-07-28 MCP client (SDK v2, `@modelcontextprotocol/client`, pinned to the modern revision:
// `server/discover` instead of `initialize`, a `_meta` envelope on every request), talking to
// the Worker under test through SELF.fetch.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SELF } from "cloudflare:test";
import { TOKENS, readRpc, rpcHeaders } from "./mcp.ts";

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

/**
 * A raw 2026-07-28 request and its JSON-RPC answer: the `_meta` envelope (declaring `capabilities`)
 * in the body and the routing headers, which `headers` may override.
 */
export async function postModern(
  method: string,
  params: Record<string, unknown> = {},
  { capabilities = {}, headers = {} }: { capabilities?: object; headers?: Record<string, string> } = {},
): Promise<Record<string, any>> {
  const res = await SELF.fetch("http://switchyard.test/mcp", {
    method: "POST",
    headers: {
      ...rpcHeaders(),
      "mcp-protocol-version": MODERN_REVISION,
      "mcp-method": method,
      ...(method === "tools/call" ? { "mcp-name": String(params.name) } : {}),
      ...(method.startsWith("tasks/") ? { "mcp-name": String(params.taskId) } : {}),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method,
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
          "io.modelcontextprotocol/clientCapabilities": capabilities,
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
        },
      },
    }),
  });
  return readRpc(res);
}
