// The one place tool outcomes become MCP results: data as structuredContent plus the same JSON as
// text, and every failure as an isError result whose message names the field (never a 500).
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { isSwitchyardError } from "../errors.ts";

export function toToolResult(data: unknown): CallToolResult {
  return {
    structuredContent: data as Record<string, unknown>,
    content: [{ type: "text", text: JSON.stringify(data) }],
  };
}

export function toToolError(tool: string, error: unknown): CallToolResult {
  const body = isSwitchyardError(error)
    ? {
        code: error.code,
        message: `${tool}: ${error.message}`,
        ...(error.field ? { field: error.field } : {}),
      }
    : { code: "internal", message: `${tool}: internal error` };
  if (!isSwitchyardError(error)) console.error(`${tool} failed`, error);
  return { isError: true, content: [{ type: "text", text: JSON.stringify(body) }] };
}

/** Turns zod issues into one line per problem: `field.path: what was expected`. */
export function describeIssues(error: z.ZodError): { field: string; message: string } {
  const lines = error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join(".") : "arguments";
    return `${field}: ${issue.message}`;
  });
  const first = error.issues[0];
  return { field: first?.path.map(String).join(".") || "arguments", message: lines.join("; ") };
}
