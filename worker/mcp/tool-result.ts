// The one place tool outcomes become MCP results: data as structuredContent plus the same JSON as
// text, and every failure as an isError result whose message names the field (never a 500).
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { z } from "zod";
import { clip } from "../../shared/backends/error-text.ts";
import type { Env } from "../env.ts";
import { SwitchyardError, isSwitchyardError } from "../../shared/errors.ts";
import { outputMismatch } from "./output-check.ts";
import type { Tool } from "./tool.ts";

export function toToolResult(data: unknown): CallToolResult {
  return {
    structuredContent: data as Record<string, unknown>,
    content: [{ type: "text", text: JSON.stringify(data) }],
  };
}

/**
 * A handler's answer as its result; with SWITCHYARD_CHECK_TOOL_OUTPUT=1 (the tests) first checked
 * against the tool's advertised output schema, where a mismatch becomes an `internal` error naming
 * the path. Off by default: it adds about 0.08 ms to a get_run, too much for every production call
 * (a zod parse would cost a tenth of that but lets through the unknown keys clients refuse).
 */
export function toCheckedResult(tool: Tool, data: unknown, env: Env): CallToolResult {
  const mismatch = env.SWITCHYARD_CHECK_TOOL_OUTPUT === "1" ? outputMismatch(tool, data) : undefined;
  if (mismatch === undefined) return toToolResult(data);
  console.error(`${tool.name} result does not match its output schema`, mismatch);
  const message = `internal error: the result does not match the tool's output schema at ${mismatch}`;
  return toToolError(tool.name, new SwitchyardError("internal", message));
}

/**
 * `{code, message, field}` as JSON text only: clients check any structuredContent against the
 * tool's output schema even when isError is set (the MCP SDK 1.x client does), so an error body
 * there would be refused as a schema violation instead of read.
 */
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

/** Longest part of a field path or issue line quoted back, so a huge key or value is never echoed whole. */
const ECHO_CHARS = 200;

/** The dotted field an issue is about; an unknown key is named itself. */
function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0] ?? ""] : issue.path;
  return clip(path.map(String).join("."), ECHO_CHARS) || "arguments";
}

/** A discriminated union's "no option has this tag" (its branches are not tried, so none are listed). */
const isTagMismatch = (issue: z.core.$ZodIssue) =>
  issue.code === "invalid_union" && issue.discriminator !== undefined && issue.errors.length === 0;

/**
 * A union's issue as the issues of the branch the value was meant for — the one whose tag it
 * matched (a part tagged `type` is not reported as a bad `kind` part); the union's own otherwise.
 */
function branchIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== "invalid_union") return [issue];
  const meant = issue.errors.filter((branch) => !branch.some(isTagMismatch));
  if (meant.length !== 1) return [issue];
  return meant[0]!.flatMap((inner) => branchIssues({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** Turns zod issues into one line per problem: `field.path: what was expected`. */
export function describeIssues(error: z.ZodError): { field: string; message: string } {
  const issues = error.issues.flatMap(branchIssues);
  const lines = issues.slice(0, 5).map((issue) => `${fieldOf(issue)}: ${clip(issue.message, ECHO_CHARS)}`);
  const first = issues[0];
  return { field: first ? fieldOf(first) : "arguments", message: lines.join("; ") };
}
