// An object with the same value under each key of a list, so that a schema, a zero total or a
// pick/omit mask built over a list of field names (TOKEN_FIELDS, TERMINAL_STATUSES, a backend's
// secret keys) names each field once.

/** `value` under each of `keys`: a schema for an object shape, 0 for empty totals, true for a mask. */
export const fieldsOf = <K extends string, V>(keys: readonly K[], value: V) =>
  Object.fromEntries(keys.map((k) => [k, value])) as { [P in K]: V };
