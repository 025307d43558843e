// Builds a fresh MCP server for one request (stateless: reusing one across requests would let
// JSON-RPC ids collide). tools/list advertises each tool's schemas; tools/call validates, runs
// the handler and shapes the result in one place.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import {
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type JSONRPCRequest,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { SwitchyardError, badRequest } from "../errors.ts";
import type { ToolContext } from "./tool.ts";
import { advertisedOutputSchema } from "./output-check.ts";
import { describeIssues, toCheckedResult, toToolError } from "./tool-result.ts";
import { TOOLS } from "./tools/index.ts";

const SERVER_INFO = { name: "switchyard", version: "0.1.0" };

const LISTING = TOOLS.map((tool) => ({
  name: tool.name,
  description: tool.description,
  inputSchema: z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as { type: "object" },
  outputSchema: advertisedOutputSchema(tool),
}));
const BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));
/**
 * One validator for every request's server: by default each Server builds its own Ajv instance,
 * which costs more than the rest of a get_run (it only checks elicitation answers, never asked here).
 */
const VALIDATOR = new AjvJsonSchemaValidator();

export function createMcpServer(ctx: ToolContext): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, jsonSchemaValidator: VALIDATOR });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: LISTING }));
  // tools/call is taken by the fallback rather than setRequestHandler: the SDK would check the
  // request against its own schema first and answer a non-object `arguments` with a JSON-RPC error
  // (a validator dump), where every malformed call must get a tool error naming the field.
  server.fallbackRequestHandler = async (request: JSONRPCRequest) => {
    if (request.method !== "tools/call") throw new McpError(ErrorCode.MethodNotFound, "Method not found");
    return callTool(request.params ?? {}, ctx);
  };
  return server;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function kindOf(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

async function callTool(params: Record<string, unknown>, ctx: ToolContext): Promise<CallToolResult> {
  const { name, arguments: rawArgs = {} } = params;
  const tool = typeof name === "string" ? BY_NAME.get(name) : undefined;
  if (!tool) {
    const given =
      typeof name === "string" ? `no tool ${JSON.stringify(name.slice(0, 64))}` : `got ${kindOf(name)}`;
    return toToolError(
      "tools/call",
      badRequest("name", `${given}; tools are ${[...BY_NAME.keys()].join(", ")}`),
    );
  }
  if (!isObject(rawArgs))
    return toToolError(
      tool.name,
      badRequest("arguments", `expected an object of named arguments, got ${kindOf(rawArgs)}`),
    );
  const parsed = tool.input.safeParse(rawArgs);
  if (!parsed.success) {
    const { field, message } = describeIssues(parsed.error);
    return toToolError(tool.name, new SwitchyardError("bad_request", message, { field }));
  }
  try {
    return toCheckedResult(tool, await tool.handler(parsed.data, ctx), ctx.env);
  } catch (error) {
    return toToolError(tool.name, error);
  }
}
