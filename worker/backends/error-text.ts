// An edge backend's error as text safe for events: secrets redacted (the run's one rule, on the
// text as it came, before anything is normalised) and the length bounded.
import { Redactor } from "../runs/redact.ts";

/** Longest error text carried into an event (characters). */
const MAX_ERROR_CHARS = 500;

/** `text` with every secret form replaced and its length bounded. */
export function redactError(text: string, secrets: readonly string[]): string {
  const out = new Redactor(secrets).text(text);
  return out.length > MAX_ERROR_CHARS ? `${out.slice(0, MAX_ERROR_CHARS)}…` : out;
}

/** An error as safe text; a bare "fetch failed"/"terminated" gets the cause that says what happened. */
export function describeError(error: unknown, secrets: readonly string[]): string {
  let text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  if (cause && !text.includes(cause)) text = `${text} (${cause})`;
  return redactError(text, secrets);
}
