// Checks a run's structured output against the JSON Schema the caller gave in `output_schema`.
import { Validator, type Schema } from "@cfworker/json-schema";

export interface SchemaCheck {
  valid: boolean;
  errors?: string[];
}

export function checkOutput(schema: Record<string, unknown>, output: unknown): SchemaCheck {
  const result = new Validator(schema as Schema, "2020-12", false).validate(output);
  if (result.valid) return { valid: true };
  return { valid: false, errors: result.errors.slice(0, 20).map((e) => `${e.instanceLocation}: ${e.error}`) };
}
