// One endpoint, both protocol eras: a 2025-era client (SDK 1.x, `initialize`) and a 2026-07-28
// client (SDK v2 pinned to the modern revision, `server/discover`) see the same tools, schemas and
// annotations, call every tool with the same results, and get the same tool error shape.
import type { Client as ModernClient } from "@modelcontextprotocol/client";
import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../worker/mcp/tools/index.ts";
import { MODERN_REVISION, connectModern, postModern } from "./support/mcp-modern.ts";
import { TOKENS, agentUrl, connect, type TestClient, type ToolError } from "./support/mcp.ts";

type Call = (name: string, args: Record<string, unknown>) => Promise<Record<string, any>>;
type Result = { isError?: boolean; content?: unknown; structuredContent?: unknown };

/** The structuredContent of a call that must succeed, checked against its text copy. */
function okOf(name: string, result: Result): Record<string, any> {
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  const text = (result.content as { text: string }[])[0]!.text;
  expect(JSON.parse(text)).toEqual(result.structuredContent);
  return result.structuredContent as Record<string, any>;
}

/** Calls every tool once, in an order where each call has what it needs; returns the tools called. */
async function callEveryTool(call: Call, tag: string): Promise<Set<string>> {
  const called = new Set<string>();
  const ok: Call = async (name, args) => {
    called.add(name);
    return call(name, args);
  };
  const lane = await ok("manage_lane", { operation: "upsert", lane_id: `eras-${tag}` });
  expect(lane.lane.lane_id).toBe(`eras-${tag}`);
  const run = await ok("spawn_run", {
    backend: "remote_a2a",
    prompt: "big",
    backend_config: { agent_url: agentUrl("chunkedArtifact") },
    idempotency_key: `eras-${tag}`,
  });
  const waited = await ok("wait_runs", { run_ids: [run.run_id], mode: "all", wait_ms: 20_000 });
  expect(waited.runs[0]).toMatchObject({ run_id: run.run_id, status: "completed" });
  expect((await ok("get_run", { run_id: run.run_id })).status).toBe("completed");
  const page = await ok("poll_events", { run_id: run.run_id, after_seq: 0, limit: 5 });
  expect(page.events.length).toBe(5);
  const watched = await ok("watch_runs", { runs: [{ run_id: run.run_id, after_seq: 5 }], limit: 3 });
  expect(watched.runs[0].events.map((e: { seq: number }) => e.seq)).toEqual([6, 7, 8]);
  const artifact = await ok("get_event_artifact", { run_id: run.run_id, artifact_id: "stream", limit: 100 });
  expect(artifact.text.length).toBeGreaterThan(0);
  const listed = await ok("list_runs", { limit: 50 });
  expect(listed.runs.map((r: { run_id: string }) => r.run_id)).toContain(run.run_id);
  const next = await ok("continue_run", { run_id: run.run_id, prompt: "notes only" });
  expect(next).toMatchObject({ mode: "new_run", previous_run_id: run.run_id });
  const cancelled = await ok("cancel_run", { run_id: next.run_id });
  expect(["cancelled", "completed"]).toContain(cancelled.status);
  const backends = await ok("list_available_backends", { probe: false });
  expect(backends.backends.map((b: { backend: string }) => b.backend)).toContain("remote_a2a");
  expect((await ok("get_lane_activity", { lane_id: `eras-${tag}` })).lane.lane_id).toBe(`eras-${tag}`);
  expect((await ok("get_metrics", { group_by: "backend" })).groups.length).toBeGreaterThan(0);
  expect((await ok("manage_notify", { action: "get" })).action).toBe("get");
  const sent = await ok("send_agent_message", {
    to_agent_name: run.agent_name,
    message: { parts: [{ type: "text", text: "hello" }] },
  });
  expect(sent.delivery).toBe("inbox");
  const inbox = await ok("fetch_agent_messages", { agent_name: run.agent_name });
  expect(inbox.messages.map((m: { message_id: string }) => m.message_id)).toEqual([sent.message_id]);
  const agents = await ok("list_agents", { limit: 500 });
  expect(agents.agents.map((a: { agent_name: string }) => a.agent_name)).toContain(run.agent_name);
  return called;
}

describe("both protocol eras on /mcp", () => {
  let legacy: TestClient;
  let modern: ModernClient;
  beforeAll(async () => {
    legacy = await connect();
    modern = await connectModern();
  });
  afterAll(async () => {
    await legacy.close();
    await modern.close();
  });

  it("the modern client negotiated 2026-07-28 through server/discover, the legacy one 2025-era", async () => {
    expect(modern.getNegotiatedProtocolVersion()).toBe(MODERN_REVISION);
    expect(modern.getDiscoverResult()?.supportedVersions).toContain(MODERN_REVISION);
    expect(modern.getServerVersion()?.name).toBe("switchyard");
    expect(legacy.client.getServerVersion()?.name).toBe("switchyard");
  });

  it("both list the same tools with the same schemas and annotations", async () => {
    const modernTools = (await modern.listTools()).tools;
    const legacyTools = (await legacy.client.listTools()).tools;
    expect(modernTools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    expect(modernTools).toEqual(legacyTools);
    for (const tool of modernTools) {
      expect(Object.keys(tool.annotations ?? {}).sort(), tool.name).toEqual([
        "destructiveHint",
        "idempotentHint",
        "openWorldHint",
        "readOnlyHint",
        "title",
      ]);
      expect(tool.title).toBe(tool.annotations?.title);
    }
  });

  it("a 2025-era client calls every tool", async () => {
    const called = await callEveryTool((name, args) => legacy.ok(name, args), "legacy");
    expect([...called].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it("a 2026-07-28 client calls every tool", async () => {
    const called = await callEveryTool(
      async (name, args) => okOf(name, (await modern.callTool({ name, arguments: args })) as Result),
      "modern",
    );
    expect([...called].sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it("a bad call gets the same tool error in both eras", async () => {
    const bad = { name: "spawn_run", arguments: { backend: "remote_a2a", prompt: "" } };
    const fromLegacy = await legacy.err(bad.name, bad.arguments);
    const fromModern = (await modern.callTool(bad)) as Result;
    expect(fromModern.isError).toBe(true);
    const body = JSON.parse((fromModern.content as { text: string }[])[0]!.text) as ToolError;
    expect(body).toEqual(fromLegacy);
    expect(body).toMatchObject({ code: "bad_request", field: "prompt" });
  });
});

describe("the 2026-07-28 wire", () => {
  it("server/discover offers 2026-07-28 and the tools capability, with a cache lifetime", async () => {
    const { result } = await postModern("server/discover");
    expect(result.supportedVersions).toContain(MODERN_REVISION);
    expect(result.capabilities.tools).toBeDefined();
    expect(result).toMatchObject({ resultType: "complete", ttlMs: 300_000, cacheScope: "public" });
  });

  it("tools/list carries resultType and the cache hint; tools/call carries resultType", async () => {
    const list = (await postModern("tools/list")).result;
    expect(list).toMatchObject({ resultType: "complete", ttlMs: 300_000, cacheScope: "public" });
    expect(list.tools).toHaveLength(TOOLS.length);
    const call = (await postModern("tools/call", { name: "list_runs", arguments: { limit: 1 } })).result;
    expect(call.resultType).toBe("complete");
    expect(call.isError).toBeUndefined();
  });

  it("a 2025-era call is answered with one JSON body, not an event stream", async () => {
    const res = await SELF.fetch("http://switchyard.test/mcp", {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKENS.acme}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(TOOLS.length);
  });

  it("a non-object arguments gets the documented tool error, not a JSON-RPC error", async () => {
    const { result, error } = await postModern("tools/call", { name: "get_run", arguments: [1] });
    expect(error).toBeUndefined();
    expect(result.isError).toBe(true);
    expect(JSON.parse(result.content[0].text)).toMatchObject({ code: "bad_request", field: "arguments" });
  });

  it("a header that disagrees with the body is refused before any tool runs", async () => {
    const body = await postModern(
      "tools/call",
      { name: "manage_lane", arguments: { operation: "upsert", lane_id: "header-mismatch" } },
      { headers: { "mcp-method": "tools/list" } },
    );
    expect(body.error?.code).toBeTypeOf("number");
    const legacy = await connect();
    const lanes = await legacy.ok("manage_lane", { operation: "list" });
    expect(lanes.lanes.map((l: { lane_id: string }) => l.lane_id)).not.toContain("header-mismatch");
    await legacy.close();
  });
});
