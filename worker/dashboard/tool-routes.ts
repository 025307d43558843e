// POST /dashboard/tools/<name>: a tool called for the session's tenant through exactly the path
// /mcp takes (callTool: the same schema, handler and errors), never run-scoped. A tool's refusal is
// an answer ({ok: false, error}), not an HTTP failure; only the tools a person needs are open.
import { Hono } from "hono";
import type { Env } from "../env.ts";
import { callTool } from "../mcp/server.ts";
import { readBody } from "../routes/mcp.ts";
import { SwitchyardError } from "../../shared/errors.ts";
import { requireCsrf, requireSameOrigin, requireSession, type SessionVariables } from "./require-session.ts";

/** The tools the dashboard may call: reading, and steering runs and lanes that exist; never starting an agent. */
export const DASHBOARD_TOOLS: ReadonlySet<string> = new Set([
  "list_runs",
  "get_run",
  "poll_events",
  "get_event_artifact",
  "get_lane_activity",
  "get_metrics",
  "list_available_backends",
  "list_agents",
  "fetch_agent_messages",
  "manage_lane",
  "cancel_run",
  "continue_run",
  "wait_runs",
  "watch_runs",
]);

export const toolRoutes = new Hono<{ Bindings: Env; Variables: SessionVariables }>();

toolRoutes.post(
  "/dashboard/tools/:name",
  requireSameOrigin(false),
  requireSession(),
  requireCsrf(),
  async (c) => {
    const name = c.req.param("name");
    if (!DASHBOARD_TOOLS.has(name))
      throw new SwitchyardError(
        "not_found",
        `no dashboard tool ${JSON.stringify(name.slice(0, 64))}; tools are ${[...DASHBOARD_TOOLS].join(", ")}`,
      );
    const read = await readBody(c.req.raw);
    if (read === "too_large")
      throw new SwitchyardError("bad_request", "body: the request body is too large", { field: "body" });
    if (read.parsedBody === undefined)
      throw new SwitchyardError("bad_request", "body: expected the tool's arguments as a JSON object", {
        field: "body",
      });
    const result = await callTool(
      { name, arguments: read.parsedBody },
      { env: c.env, tenant: c.get("session").tenant },
    );
    c.header("cache-control", "no-store");
    if (!result.isError) return c.json({ ok: true, result: result.structuredContent });
    const text = (result.content[0] as { text: string }).text;
    return c.json({ ok: false, error: JSON.parse(text) as unknown });
  },
);
