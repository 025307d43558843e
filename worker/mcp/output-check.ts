// Each tool's output schema as tools/list advertises it, and the check of a result against it. MCP
// clients validate structuredContent against that JSON Schema (unknown keys refused, defaulted
// fields required), so the check uses the advertised schema rather than the zod one, which would
// strip unknown keys and fill in defaults. @cfworker/json-schema interprets schemas (no code
// generation, which workerd forbids).
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import { toListedTool } from "./tool-listing.ts";
import type { Tool } from "./tool.ts";

/** The JSON Schema of a tool's results, as listed. */
export const advertisedOutputSchema = (tool: Tool) => toListedTool(tool).outputSchema;

const validators = new WeakMap<Tool, Validator>();

/** Keywords whose error only says that a child failed; the child's own error is reported instead. */
const SUMMARY_KEYWORDS = new Set(["properties", "items", "prefixItems", "false"]);
const MAX_REPORTED = 3;
const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

/** Where a result breaks the tool's output schema (`/path: what`), or undefined when it fits. */
export function outputMismatch(tool: Tool, data: unknown): string | undefined {
  let validator = validators.get(tool);
  if (!validator) {
    validator = new Validator(advertisedOutputSchema(tool) as Schema, "2020-12", false);
    validators.set(tool, validator);
  }
  const { valid, errors } = validator.validate(data);
  if (valid) return undefined;
  const leaves = errors.filter((e) => !SUMMARY_KEYWORDS.has(e.keyword));
  return (leaves.length ? leaves : errors).slice(0, MAX_REPORTED).map(describe).join("; ");
}

const describe = (e: OutputUnit) => `${e.instanceLocation.replace(/^#/, "") || "/"}: ${clip(e.error)}`;
