// What tools/list shows, built once from the tool registry: each tool's name, title, description,
// annotations, its input and output schemas as portable JSON Schema, and the app it shows in if any.
import type { Tool as ListedTool } from "@modelcontextprotocol/server";
import { z } from "zod";
import { appToolMeta } from "./app-resource.ts";
import { toPortableSchema } from "./portable-schema.ts";
import type { Tool } from "./tool.ts";

type ObjectSchema = ListedTool["inputSchema"];

const jsonSchemaOf = (schema: z.ZodType, io: "input" | "output") =>
  toPortableSchema(z.toJSONSchema(schema, { io, unrepresentable: "any" })) as ObjectSchema;

export const toListedTool = (tool: Tool): ListedTool => ({
  name: tool.name,
  title: tool.annotations.title,
  description: tool.description,
  annotations: tool.annotations,
  inputSchema: jsonSchemaOf(tool.input, "input"),
  outputSchema: jsonSchemaOf(tool.output, "output"),
  ...(tool.app ? { _meta: appToolMeta(tool.app) } : {}),
});
