// The real MCP SDK client over real HTTP, for tests against `wrangler dev`.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export async function connectHttp(baseUrl: string, token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "switchyard-e2e", version: "1.0.0" });
  await client.connect(transport);
  await client.listTools();
  return client;
}

/** Calls a tool that must succeed and returns its structuredContent. */
export async function callOk<T = Record<string, any>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

/** Every event of a run, polled until the run has ended and nothing is left. */
export async function allEvents(
  client: Client,
  runId: string,
): Promise<{ seq: number; type: string; data: Record<string, unknown> }[]> {
  const events: { seq: number; type: string; data: Record<string, unknown> }[] = [];
  let after = 0;
  for (;;) {
    const page = await callOk(client, "poll_events", {
      run_id: runId,
      after_seq: after,
      limit: 1000,
      wait_ms: 20_000,
    });
    events.push(...page.events);
    after = page.next_after_seq;
    if (page.terminal && page.events.length === 0) return events;
  }
}
