// Settings read from environment variables, parsed once per isolate rather than once per request:
// a variable's text does not change while an isolate lives, so the last text and its parse are kept.

/** `parse`, remembering its last input and answer. The answer is shared: callers must not change it. */
export function parsedOnce<T>(parse: (raw: string | undefined) => T): (raw: string | undefined) => T {
  let last: { raw: string | undefined; value: T } | undefined;
  return (raw) => {
    if (!last || last.raw !== raw) last = { raw, value: parse(raw) };
    return last.value;
  };
}
