// What tools/list shows, built once from the tool registry: each tool's name, title, description,
// annotations, and its input and output schemas as portable JSON Schema.
import type { Tool as ListedTool } from "@modelcontextprotocol/server";
import { z } from "zod";
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
});
