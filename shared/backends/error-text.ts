// Errors as text for events and messages: an error's message with the cause that explains it, cut
// to a length; for edge backends also with secrets redacted (the run's one rule, on the text as it
// came, before anything is normalised). The runner and the MCP error results use the same cut.
import { Redactor } from "../runs/redact.ts";

/** Longest error text an edge backend carries into an event (characters). */
const MAX_ERROR_CHARS = 500;

/** `text` cut to `maxChars` characters, an ellipsis marking the cut. */
export const clip = (text: string, maxChars: number): string =>
  text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;

/** An error's message; a bare "fetch failed"/"terminated" gets the cause that says what happened. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause && !text.includes(cause) ? `${text} (${cause})` : text;
}

/** `text` with every secret form replaced and its length bounded. */
export function redactError(text: string, secrets: readonly string[]): string {
  return clip(new Redactor(secrets).text(text), MAX_ERROR_CHARS);
}

/** An error as safe text: its message and cause, secrets redacted, length bounded. */
export function describeError(error: unknown, secrets: readonly string[]): string {
  return redactError(errorMessage(error), secrets);
}
