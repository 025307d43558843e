// Builds a fresh MCP server for one request, of either protocol era (2025 `initialize` clients and
// 2026-07-28 `server/discover` clients alike): one listing and one tools/call path serve both, so
// the tool surface, schemas and error shape cannot differ between them.
import {
  Server,
  type CallToolResult,
  type JSONRPCRequest,
  type Result,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { SwitchyardError, badRequest } from "../../shared/errors.ts";
import { mayCall, withoutRunTokens } from "../orchestration/scope.ts";
import { listAppResources, readAppResource } from "./app-resource.ts";
import type { ToolContext } from "./tool.ts";
import { toListedTool } from "./tool-listing.ts";
import {
  TASKS_EXTENSION,
  TaskIdParamsSchema,
  asTaskRequest,
  assertAwaitingInput,
  declaresTasks,
  getTask,
  promptOf,
  toCreateTaskResult,
  toTaskError,
} from "./tasks.ts";
import { describeIssues, toCheckedResult, toToolError } from "./tool-result.ts";
import { TOOLS } from "./tools/index.ts";

const SERVER_INFO = { name: "switchyard", version: "0.1.0" };

const LISTING = TOOLS.map(toListedTool);
const BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));

/**
 * 2026-07-28 list results carry a cache lifetime. The tool list is the same for every tenant and
 * changes only with a deploy, so any cache may keep it a few minutes.
 */
const LIST_CACHE = { ttlMs: 5 * 60_000, cacheScope: "public" } as const;

/**
 * The SDK's server, except that tools/call reaches callTool unchecked: the SDK would check each
 * call against its own schema first and answer a non-object `arguments` with a JSON-RPC error (a
 * validator dump), where every malformed call must get a tool error naming the field. (A fallback
 * handler would do the same, but it would also answer unknown methods after dispatch, as HTTP 200
 * instead of the 404 a 2026-07-28 client is owed.)
 */
class SwitchyardServer extends Server {
  protected override _wrapHandler(
    method: string,
    handler: (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>,
  ): (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result> {
    return method === "tools/call" ? handler : super._wrapHandler(method, handler);
  }
}

/** Any params object at all: callTool names what is wrong with it. */
const ANY_PARAMS = z.record(z.string(), z.unknown());

/**
 * A server for one request of `era`. 2026-07-28 requests also get the Tasks extension (its
 * `tasks/get` and `tasks/cancel` mean something else in the 2025 era, so only there).
 */
export function createMcpServer(ctx: ToolContext, era: "legacy" | "modern" = "legacy"): Server {
  const tasks = era === "modern";
  const server = new SwitchyardServer(SERVER_INFO, {
    capabilities: { tools: {}, resources: {}, ...(tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}) },
    cacheHints: {
      "tools/list": LIST_CACHE,
      "server/discover": LIST_CACHE,
      "resources/list": LIST_CACHE,
      "resources/read": LIST_CACHE,
    },
  });
  // A run-scoped caller is shown only the tools it may call.
  const listing = ctx.scope ? LISTING.filter((t) => mayCall(ctx.scope, t.name)) : LISTING;
  server.setRequestHandler("tools/list", () => ({ tools: listing }));
  // The run view's HTML (the same for every tenant: all it shows comes through tool calls).
  server.setRequestHandler("resources/list", listAppResources);
  server.setRequestHandler("resources/read", (req) => readAppResource(req.params.uri, ctx.env));
  server.setRequestHandler("tools/call", { params: ANY_PARAMS }, async (params, req) => {
    const result = await callTool(params, ctx);
    const asTask =
      tasks && params.name === "spawn_run" && !result.isError && declaresTasks(req.mcpReq.envelope);
    return asTask
      ? toCreateTaskResult(String((result.structuredContent as { run_id: string }).run_id), ctx)
      : result;
  });
  if (tasks) {
    /** A run tool called for a task request; its tool error becomes the request's error. */
    const runTool = async (name: string, args: Record<string, unknown>) => {
      const result = await callTool({ name, arguments: args }, ctx);
      if (result.isError) throw toTaskError(result);
      return {};
    };
    server.setRequestHandler(
      "tasks/get",
      { params: TaskIdParamsSchema },
      asTaskRequest("tasks/get", (p) => getTask(p.taskId, ctx)),
    );
    server.setRequestHandler(
      "tasks/update",
      { params: TaskIdParamsSchema },
      asTaskRequest("tasks/update", async (p, req: ServerContext) => {
        const prompt = promptOf(req.mcpReq.inputResponses);
        await assertAwaitingInput(p.taskId, ctx);
        return runTool("continue_run", { run_id: p.taskId, prompt });
      }),
    );
    server.setRequestHandler(
      "tasks/cancel",
      { params: TaskIdParamsSchema },
      asTaskRequest("tasks/cancel", (p) => runTool("cancel_run", { run_id: p.taskId })),
    );
  }
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

/**
 * One tools/call for `ctx`: the tool looked up, its arguments checked against its schema, its
 * handler run, and every refusal or failure as an isError result. /mcp and the dashboard both call it.
 */
export async function callTool(params: Record<string, unknown>, ctx: ToolContext): Promise<CallToolResult> {
  const { name, arguments: rawArgs = {} } = params;
  const tool = typeof name === "string" ? BY_NAME.get(name) : undefined;
  if (!tool || !mayCall(ctx.scope, tool.name)) {
    const given =
      typeof name === "string" ? `no tool ${JSON.stringify(name.slice(0, 64))}` : `got ${kindOf(name)}`;
    const names = [...BY_NAME.keys()].filter((n) => mayCall(ctx.scope, n));
    return toToolError("tools/call", badRequest("name", `${given}; tools are ${names.join(", ")}`));
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
    return toCheckedResult(tool, await tool.handler(withoutRunTokens(ctx.scope, parsed.data), ctx), ctx.env);
  } catch (error) {
    return toToolError(tool.name, error);
  }
}
