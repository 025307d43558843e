// Rewrites a JSON Schema (as zod emits it) into spellings every MCP client maps onto its model's
// tool format: no `type` arrays, no bare boolean schemas, no schema that constrains nothing. Each
// rewrite accepts exactly the values the original did, so validation is never loosened.

type Schema = Record<string, unknown>;

/** Every JSON value, spelled with single-`type` branches (the portable form of `{}` and `true`). */
const ANY_JSON: readonly Schema[] = ["object", "array", "string", "number", "boolean", "null"].map(
  (type) => ({
    type,
  }),
);

/** Keywords whose value may be `true`/`false` rather than a schema. */
const BOOLEAN_VALUED = new Set([
  "additionalProperties",
  "unevaluatedProperties",
  "additionalItems",
  "unevaluatedItems",
]);
/** Keywords holding one subschema. */
const ONE = [
  "items",
  "contains",
  "not",
  "propertyNames",
  "if",
  "then",
  "else",
  "contentSchema",
  ...BOOLEAN_VALUED,
];
/** Keywords holding a list of subschemas. */
const LIST = ["allOf", "anyOf", "oneOf", "prefixItems"];
/** Keywords holding a map of named subschemas. */
const MAP = ["properties", "patternProperties", "dependentSchemas", "$defs", "definitions"];
/** Keywords that say nothing about the value: a schema with only these accepts anything. */
const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** The portable form of `schema`, found under `keyword` of its parent (undefined at the root). */
export function toPortableSchema(schema: unknown, keyword?: string): unknown {
  if (typeof schema === "boolean") {
    if (keyword !== undefined && BOOLEAN_VALUED.has(keyword)) return schema;
    return schema ? { anyOf: ANY_JSON } : { not: {} };
  }
  if (!isSchema(schema)) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ONE.includes(key)) out[key] = toPortableSchema(value, key);
    else if (LIST.includes(key) && Array.isArray(value))
      out[key] = value.map((v) => toPortableSchema(v, key));
    else if (MAP.includes(key) && isSchema(value))
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPortableSchema(v, key)]));
    else out[key] = value;
  }
  if (Array.isArray(out.type)) {
    // Type-specific keywords ignore values of other types, so they may stay beside the branches.
    const { type, ...rest } = out;
    return withAnyOf(
      rest,
      (type as string[]).map((t) => ({ type: t })),
    );
  }
  if (Object.keys(out).every((k) => ANNOTATIONS.has(k)) && keyword !== "not") {
    return keyword !== undefined && BOOLEAN_VALUED.has(keyword) ? true : withAnyOf(out, ANY_JSON);
  }
  return out;
}

/** `schema` further restricted to `branches`, keeping an anyOf it already has. */
function withAnyOf(schema: Schema, branches: readonly Schema[]): Schema {
  if (schema.anyOf === undefined) return { ...schema, anyOf: branches };
  const { anyOf, ...rest } = schema;
  return { ...rest, allOf: [...((rest.allOf as unknown[]) ?? []), { anyOf }, { anyOf: branches }] };
}
