// POST /mcp needs a valid bearer token of the MCP kind; nothing runs without one.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TOKENS, readRpc } from "./support/mcp.ts";

const listTools = (headers: Record<string, string>) =>
  SELF.fetch("http://switchyard.test/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });

describe("auth", () => {
  it.each([
    ["no header", {}],
    ["wrong token", { authorization: "Bearer nope" }],
    ["not a bearer", { authorization: `Basic ${TOKENS.acme}` }],
    ["runner token on /mcp", { authorization: "Bearer runner-token-acme" }],
  ])("%s → 401 with WWW-Authenticate", async (_name, headers) => {
    const res = await listTools(headers);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(((await res.json()) as { error: string }).error).toBe("unauthorized");
  });

  it("a valid token lists the tools", async () => {
    const res = await listTools({ authorization: `Bearer ${TOKENS.acme}` });
    expect(res.status).toBe(200);
    const body = (await readRpc(res)) as { result: { tools: { name: string; outputSchema?: unknown }[] } };
    const names = body.result.tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "spawn_run",
        "get_run",
        "poll_events",
        "wait_runs",
        "watch_runs",
        "continue_run",
        "cancel_run",
        "list_runs",
        "get_event_artifact",
      ]),
    );
    expect(body.result.tools.every((t) => t.outputSchema)).toBe(true);
  });

  it("unknown routes are 404 JSON, not 500 (any other GET is the dashboard's app)", async () => {
    for (const res of [
      await SELF.fetch("http://switchyard.test/nope", { method: "POST" }),
      await SELF.fetch("http://switchyard.test/dashboard/nope"),
    ]) {
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe("not_found");
    }
  });
});
