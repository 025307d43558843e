// Keeps secrets given in backend_config out of everything stored or shown: any occurrence of a
// secret value in event data, refs or error text is replaced before it is written.
const MIN_SECRET_LENGTH = 4;
export const REDACTED = "[redacted]";

/** The string values inside a secrets object (header values, tokens, keys). */
export function secretValues(secrets: Record<string, unknown>): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === "string" && v.length >= MIN_SECRET_LENGTH) out.push(v);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(secrets);
  // Longest first, so a secret that contains another is replaced whole.
  return out.sort((a, b) => b.length - a.length);
}

export function redactText(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/** A copy of `value` with every secret occurrence in its strings replaced. */
export function redactDeep<T>(value: T, values: readonly string[]): T {
  if (values.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactText(v, values);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
