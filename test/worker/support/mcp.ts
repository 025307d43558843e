// The real MCP SDK client, talking to the Worker under test through SELF.fetch.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SELF, env } from "cloudflare:test";
import { expect } from "vitest";

export const TOKENS = { acme: "test-token-acme", globex: "test-token-globex" } as const;

export interface ToolError {
  code: string;
  message: string;
  field?: string;
}

export class TestClient {
  readonly client: Client;

  constructor(client: Client) {
    this.client = client;
  }

  /** Calls a tool that must succeed; returns its structuredContent. */
  async ok<T = Record<string, any>>(name: string, args: Record<string, unknown> = {}): Promise<T> {
    const result = await this.client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    const text = (result.content as { type: string; text: string }[])[0]!.text;
    expect(JSON.parse(text)).toEqual(result.structuredContent);
    return result.structuredContent as T;
  }

  /** Calls a tool that must fail; returns the parsed error body. */
  async err(name: string, args: unknown): Promise<ToolError> {
    const result = await this.client.callTool({ name, arguments: args as Record<string, unknown> });
    expect(result.isError, `${name} should fail for ${JSON.stringify(args).slice(0, 200)}`).toBe(true);
    return JSON.parse((result.content as { text: string }[])[0]!.text) as ToolError;
  }

  close() {
    return this.client.close();
  }
}

/** Headers of a raw JSON-RPC POST /mcp with `token`. */
export const rpcHeaders = (token: string = TOKENS.acme) => ({
  authorization: `Bearer ${token}`,
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
});

/**
 * The JSON-RPC message a raw POST /mcp answered with: a JSON body, or the one `data:` line of the
 * event stream that 2025-era requests are answered with.
 */
export async function readRpc<T = Record<string, any>>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.headers.get("content-type")?.startsWith("text/event-stream")) return JSON.parse(text) as T;
  const data = text.split("\n").filter((line) => line.startsWith("data: "));
  expect(data, text).toHaveLength(1);
  return JSON.parse(data[0]!.slice("data: ".length)) as T;
}

export async function connect(token: string = TOKENS.acme): Promise<TestClient> {
  const transport = new StreamableHTTPClientTransport(new URL("http://switchyard.test/mcp"), {
    fetch: (url, init) => SELF.fetch(String(url), init),
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "switchyard-tests", version: "1.0.0" });
  await client.connect(transport);
  await client.listTools(); // lets the client check structuredContent against each output schema
  return new TestClient(client);
}

export type A2aAgentName =
  | "streaming"
  | "nonStreaming"
  | "inputRequired"
  | "slow"
  | "diesOnCancel"
  | "dropStream"
  | "v03"
  | "unreachable"
  | "rejecting"
  | "failing"
  | "bigOutput"
  | "chunkedArtifact"
  | "reviewer"
  | "harshReviewer"
  | "echoSecrets";

export const agentUrl = (name: A2aAgentName): string => {
  const urls = JSON.parse((env as unknown as { TEST_A2A_AGENTS: string }).TEST_A2A_AGENTS) as Record<
    string,
    string
  >;
  const url = urls[name];
  if (!url) throw new Error(`no A2A fixture "${name}"`);
  return url;
};

/** Spawns a run of the test A2A agent `agent` (prompt "go" unless `extra` says otherwise). */
export function spawnA2aRun(c: TestClient, agent: A2aAgentName, extra: Record<string, unknown> = {}) {
  return c.ok("spawn_run", {
    backend: "remote_a2a",
    prompt: "go",
    backend_config: { agent_url: agentUrl(agent) },
    ...extra,
  });
}

/** Polls a run's log to its end and returns every event. */
export async function drainEvents(c: TestClient, runId: string): Promise<any[]> {
  const events: any[] = [];
  let after = 0;
  for (;;) {
    const page = await c.ok("poll_events", { run_id: runId, after_seq: after, limit: 1000, wait_ms: 10_000 });
    events.push(...page.events);
    after = page.next_after_seq;
    if (page.terminal && page.events.length === 0) return events;
  }
}

/** Waits until the run reaches one of `statuses` (through wait_runs / poll, never sleeping). */
export async function waitForStatus(c: TestClient, runId: string, statuses: string[]): Promise<any> {
  let after = 0;
  for (let i = 0; i < 200; i++) {
    const run = await c.ok("get_run", { run_id: runId });
    if (statuses.includes(run.status)) return run;
    const page = await c.ok("poll_events", {
      run_id: runId,
      after_seq: Math.max(after, run.last_seq),
      wait_ms: 5_000,
    });
    after = page.next_after_seq;
  }
  throw new Error(`run ${runId} never reached ${statuses.join("/")}`);
}
