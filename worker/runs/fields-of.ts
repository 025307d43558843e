// An object with the same value under each key of a list, so that a schema, a row or a zero total
// built over a list of field names (TOKEN_FIELDS, TERMINAL_STATUSES) names each field once.

/** `value` under each of `keys`: a schema for an object shape, a 0 for empty totals. */
export const fieldsOf = <K extends string, V>(keys: readonly K[], value: V) =>
  Object.fromEntries(keys.map((k) => [k, value])) as { [P in K]: V };
