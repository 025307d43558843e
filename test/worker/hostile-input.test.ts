// Hostile tool input is refused at the boundary: nesting and size of every free-form JSON field,
// non-object arguments, unknown or missing tool names, huge strings. Each gets isError with
// bad_request naming the field and the limit, and nothing is stored.
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TOKENS,
  agentUrl,
  connect,
  readRpc,
  rpcHeaders,
  waitForStatus,
  type TestClient,
  type ToolError,
} from "./support/mcp.ts";

const RUN = "run_000000000000000000000";
const A2A = () => ({
  backend: "remote_a2a",
  prompt: "hi",
  backend_config: { agent_url: agentUrl("streaming") },
});

/** `depth` objects nested in one another; the outermost is level 1. Built by a loop. */
function nest(depth: number): Record<string, unknown> {
  let v: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
}
const blob = (bytes: number) => ({ blob: "x".repeat(bytes) });
const dataMessage = (data: unknown) => ({ parts: [{ kind: "data", data }] });

/** Every free-form JSON field of every tool: where it goes in the arguments, and its byte cap. */
const FIELDS: { tool: string; field: string; maxBytes: number; args: (v: unknown) => unknown }[] = [
  {
    tool: "spawn_run",
    field: "output_schema",
    maxBytes: 65536,
    args: (v) => ({ ...A2A(), output_schema: v }),
  },
  { tool: "spawn_run", field: "metadata", maxBytes: 16384, args: (v) => ({ ...A2A(), metadata: v }) },
  {
    tool: "spawn_run",
    field: "backend_config",
    maxBytes: 65536,
    args: (v) => ({ ...A2A(), backend_config: v }),
  },
  {
    tool: "spawn_run",
    field: "input_message.parts.0.data",
    maxBytes: 262144,
    args: (v) => ({ ...A2A(), input_message: dataMessage(v) }),
  },
  {
    tool: "spawn_run",
    field: "review.backend_config",
    maxBytes: 65536,
    args: (v) => ({ ...A2A(), review: { backend: "remote_a2a", backend_config: v } }),
  },
  {
    tool: "continue_run",
    field: "backend_config",
    maxBytes: 65536,
    args: (v) => ({ run_id: RUN, prompt: "go", backend_config: v }),
  },
  {
    tool: "continue_run",
    field: "input_message.parts.0.data",
    maxBytes: 262144,
    args: (v) => ({ run_id: RUN, input_message: dataMessage(v) }),
  },
  {
    tool: "manage_lane",
    field: "backend_config",
    maxBytes: 65536,
    args: (v) => ({ operation: "upsert", lane_id: "hostile", backend_config: v }),
  },
  {
    tool: "manage_lane",
    field: "review.backend_config",
    maxBytes: 65536,
    args: (v) => ({
      operation: "upsert",
      lane_id: "hostile",
      review: { backend: "codex", backend_config: v },
    }),
  },
];

type Case = [name: string, tool: string, args: unknown, field: string, limit: string];

const CASES: Case[] = [
  ...FIELDS.flatMap(({ tool, field, maxBytes, args }): Case[] => [
    [`${tool} ${field} 3,000 deep`, tool, args(nest(3000)), field, "64 levels"],
    [`${tool} ${field} 65 deep`, tool, args(nest(65)), field, "64 levels"],
    [`${tool} ${field} past 64 through an array`, tool, args({ list: [nest(63)] }), field, "64 levels"],
    [`${tool} ${field} over ${maxBytes} bytes`, tool, args(blob(maxBytes)), field, `${maxBytes} bytes`],
  ]),
  [
    "input_message over 1 MiB in all",
    "spawn_run",
    {
      ...A2A(),
      input_message: {
        parts: Array.from({ length: 5 }, () => ({ kind: "text", text: "t".repeat(250 * 1024) })),
      },
    },
    "input_message",
    "1048576 bytes",
  ],
  [
    "prompt and input_message together over 1 MiB",
    "continue_run",
    {
      run_id: RUN,
      prompt: "p".repeat(250_000),
      input_message: {
        parts: Array.from({ length: 4 }, () => ({ kind: "text", text: "t".repeat(250_000) })),
      },
    },
    "input_message",
    "1048576 bytes",
  ],
  [
    "a file part over 1 MiB",
    "continue_run",
    { run_id: RUN, input_message: { parts: [{ kind: "file", file: { bytes: "A".repeat(1536 * 1024) } }] } },
    "input_message.parts.0.file.bytes",
    "1048576",
  ],
  ["role of 1 MB", "spawn_run", { ...A2A(), role: "r".repeat(1 << 20) }, "role", "64"],
  [
    "profile_text over 64 KiB",
    "spawn_run",
    { ...A2A(), profile_text: "p".repeat(65537) },
    "profile_text",
    "65536",
  ],
  [
    "idempotency_key of 1 MB",
    "spawn_run",
    { ...A2A(), idempotency_key: "k".repeat(1 << 20) },
    "idempotency_key",
    "200",
  ],
  [
    "data part text of 1 MB",
    "spawn_run",
    { ...A2A(), input_message: { parts: [{ kind: "text", text: "t".repeat(1 << 20) }] } },
    "input_message.parts.0.text",
    "262144",
  ],
  ["list_runs cursor of 1 MB", "list_runs", { cursor: "c".repeat(1 << 20) }, "cursor", "512"],
  ["lane_id of 1 MB", "manage_lane", { operation: "get", lane_id: "l".repeat(1 << 20) }, "lane_id", "64"],
];

/** Calls that the SDK client's callTool cannot express: the raw tools/call params. */
const RAW: [name: string, params: Record<string, unknown>, field: string][] = [
  ["arguments a string", { name: "spawn_run", arguments: "spawn everything" }, "arguments"],
  ["arguments an array", { name: "spawn_run", arguments: [A2A()] }, "arguments"],
  ["arguments null", { name: "spawn_run", arguments: null }, "arguments"],
  ["arguments a number", { name: "get_run", arguments: 42 }, "arguments"],
  ["arguments a boolean", { name: "list_runs", arguments: true }, "arguments"],
  ["arguments missing", { name: "get_run" }, "run_id"],
  ["unknown tool name", { name: "launch_rockets", arguments: {} }, "name"],
  ["tool name missing", { arguments: {} }, "name"],
  ["tool name a number", { name: 7, arguments: {} }, "name"],
  ["tool name of 1 MB", { name: "n".repeat(1 << 20), arguments: {} }, "name"],
  [
    "unknown key of 1 MB",
    { name: "list_runs", arguments: { ["k".repeat(1 << 20)]: 1 } },
    "k".repeat(1 << 20),
  ],
];

describe("hostile input", () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await connect();
  });
  afterAll(() => c.close());

  const stored = async () => ({
    runs: (await c.ok("list_runs", { limit: 200 })).runs.length as number,
    lanes: (await c.ok("manage_lane", { operation: "list" })).lanes.length as number,
  });

  /** An error must name the field (a huge name cut at 200 characters), and never echo a huge input. */
  const expectRefused = (error: ToolError, field: string) => {
    expect(error.code).toBe("bad_request");
    expect(error.field).toBe(field.length > 200 ? `${field.slice(0, 200)}…` : field);
    expect(error.message.length).toBeLessThan(2048);
  };

  it.each(CASES)(
    "%s → bad_request naming the field and the limit",
    async (_name, tool, args, field, limit) => {
      const before = await stored();
      const error = await c.err(tool, args);
      expectRefused(error, field);
      expect(error.message).toContain(`${field}: `);
      expect(error.message).toContain(limit);
      expect(await stored()).toEqual(before);
    },
  );

  it.each(RAW)("%s → bad_request naming the field", async (_name, params, field) => {
    const before = await stored();
    const result = await c.client.request(
      { method: "tools/call", params } as { method: "tools/call"; params: { name: string } },
      CallToolResultSchema,
    );
    expect(result.isError).toBe(true);
    const error = JSON.parse((result.content[0] as { text: string }).text) as ToolError;
    expectRefused(error, field);
    expect(await stored()).toEqual(before);
  });

  it("arguments 100,000 deep (sent as raw JSON text) are refused without a crash", async () => {
    const before = await stored();
    const deep = `${'{"a":'.repeat(100_000)}{}${"}".repeat(100_000)}`;
    const res = await SELF.fetch("http://switchyard.test/mcp", {
      method: "POST",
      headers: rpcHeaders(),
      body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_runs","arguments":{"deep":${deep}}}}`,
    });
    expect(res.status).toBe(200);
    const body = (await readRpc(res)) as { result: { isError: boolean; content: { text: string }[] } };
    expect(body.result.isError).toBe(true);
    expectRefused(JSON.parse(body.result.content[0]!.text) as ToolError, "deep");
    expect(await stored()).toEqual(before);
  });

  it("64 levels are accepted in metadata and a data part, and the run completes", async () => {
    const spawned = await c.ok("spawn_run", {
      ...A2A(),
      metadata: nest(64),
      input_message: dataMessage(nest(64)),
    });
    const run = await waitForStatus(c, spawned.run_id, ["completed", "failed"]);
    expect(run.status).toBe("completed");
  });

  it("the byte cap counts UTF-8 JSON exactly: 65,536 bytes are accepted, one more is refused", async () => {
    // {"blob":"…"} is 11 bytes; 😀 is 4, the escaped newline 2, each é 2, x 1: 11 + 6 + 65,518 + 1.
    const config = (extra: string) => ({ blob: `😀\n${"é".repeat(32_759)}x${extra}` });
    expect(new TextEncoder().encode(JSON.stringify(config(""))).length).toBe(65_536);
    await c.ok("manage_lane", { operation: "upsert", lane_id: "at-the-cap", backend_config: config("") });
    const error = await c.err("manage_lane", {
      operation: "upsert",
      lane_id: "past-the-cap",
      backend_config: config("x"),
    });
    expectRefused(error, "backend_config");
    expect(error.message).toContain("65536 bytes");
  });

  it("64 levels are accepted in a lane's backend_config", async () => {
    const { lane } = await c.ok("manage_lane", {
      operation: "upsert",
      lane_id: "deep-ok",
      backend_config: nest(64),
    });
    expect(lane.backend_config).toEqual(nest(64));
  });
});
