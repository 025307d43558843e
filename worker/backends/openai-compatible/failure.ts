// How this backend reports a failure: run_failed with code backend_failed, in text that names the
// endpoint's host and never a secret value (api_key, header values).
import { emit, type BackendOutput } from "../backend.ts";

/** Longest error text carried into an event (characters). */
const MAX_ERROR_CHARS = 500;

export const failed = (message: string): BackendOutput =>
  emit("run_failed", { error: { code: "backend_failed", message } });

/** `text` with every secret value replaced and its length bounded. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join("[redacted]");
  return out.length > MAX_ERROR_CHARS ? `${out.slice(0, MAX_ERROR_CHARS)}…` : out;
}

/** An error as text safe for events; a bare "fetch failed" gets the cause that says what happened. */
export function describeError(error: unknown, secrets: readonly string[]): string {
  let text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  if (cause && !text.includes(cause)) text = `${text} (${cause})`;
  return redact(text, secrets);
}
