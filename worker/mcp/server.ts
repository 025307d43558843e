// Builds a fresh MCP server for one request (stateless: reusing one across requests would let
// JSON-RPC ids collide). tools/list advertises each tool's schemas; tools/call validates, runs
// the handler and shapes the result in one place.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { SwitchyardError } from "../errors.ts";
import type { ToolContext } from "./tool.ts";
import { describeIssues, toToolError, toToolResult } from "./tool-result.ts";
import { TOOLS } from "./tools/index.ts";

const SERVER_INFO = { name: "switchyard", version: "0.1.0" };

const LISTING = TOOLS.map((tool) => ({
  name: tool.name,
  description: tool.description,
  inputSchema: z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as { type: "object" },
  outputSchema: z.toJSONSchema(tool.output, { io: "output", unrepresentable: "any" }) as { type: "object" },
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
  server.setRequestHandler(CallToolRequestSchema, (request) =>
    callTool(request.params.name, request.params.arguments, ctx),
  );
  return server;
}

async function callTool(name: string, rawArgs: unknown, ctx: ToolContext): Promise<CallToolResult> {
  const tool = BY_NAME.get(name);
  if (!tool) {
    return toToolError(
      name,
      new SwitchyardError("not_found", `no tool "${name}"; tools are ${[...BY_NAME.keys()].join(", ")}`),
    );
  }
  const parsed = tool.input.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    const { field, message } = describeIssues(parsed.error);
    return toToolError(name, new SwitchyardError("bad_request", message, { field }));
  }
  try {
    return toToolResult(await tool.handler(parsed.data, ctx));
  } catch (error) {
    return toToolError(name, error);
  }
}
