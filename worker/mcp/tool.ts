// The shape of one MCP tool, and what its handler may use. Tools live one per file in tools/.
import type { ToolAnnotations } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { Env } from "../env.ts";
import type { RunScope } from "../orchestration/scope.ts";

export interface ToolContext {
  env: Env;
  tenant: string;
  /** Set for a caller holding a run token: it reaches only that run's descendants. */
  scope?: RunScope;
}

export type Annotations = Required<
  Pick<ToolAnnotations, "title" | "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">
>;

/** The annotations of a tool that only reads the tenant's own Switchyard state. */
export const readOnly = (title: string): Annotations => ({
  title,
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
});

/** The annotations of a tool that starts or steers an agent: the agent then acts on the world, once per call. */
export const steersAgent = (title: string): Annotations => ({
  title,
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
});

export interface Tool<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /**
   * What a client may assume without reading the description (every hint given, none left to the
   * spec's defaults): clients decide from these whether a call needs the user's approval.
   */
  annotations: Annotations;
  input: I;
  output: O;
  /** The `ui://` resource a client that renders MCP Apps shows this tool's result in. */
  app?: string;
  // Method syntax on purpose: it lets the registry hold tools of different schemas in one list.
  handler(args: z.output<I>, ctx: ToolContext): Promise<z.input<O>>;
}

/** Identity helper that ties a handler's types to its schemas. */
export const defineTool = <I extends z.ZodType, O extends z.ZodType>(tool: Tool<I, O>): Tool<I, O> => tool;
