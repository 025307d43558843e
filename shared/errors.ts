// One error type for everything Switchyard refuses or fails at. Edges map `code` to their wire
// (HTTP status in app.ts, tool results in mcp/tool-result.ts); business code never picks a status.
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "runner_unavailable"
  | "backend_unavailable"
  | "backend_failed"
  | "timeout"
  | "budget_exceeded"
  | "internal";

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  /** Field the error is about, as a dotted path (`backend_config.agent_url`). */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "SwitchyardError";
    this.code = code;
    this.field = options.field;
  }
}

export const badRequest = (field: string, message: string) =>
  new SwitchyardError("bad_request", `${field}: ${message}`, { field });

export function isSwitchyardError(e: unknown): e is SwitchyardError {
  return e instanceof SwitchyardError;
}

/** An error as it crosses a Durable Object RPC boundary, which keeps only an Error's message. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  field?: string;
}

/**
 * What a Durable Object's RPC method returns instead of throwing, so the caller can rethrow the
 * same SwitchyardError (code and field intact). Unexpected errors still throw.
 */
export type Outcome<T> = { outcome: "ok"; value: T } | { outcome: "error"; error: ErrorBody };

export async function outcome<T>(body: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { outcome: "ok", value: await body() };
  } catch (e) {
    if (!isSwitchyardError(e)) throw e;
    return { outcome: "error", error: { code: e.code, message: e.message, field: e.field } };
  }
}

export function unwrapOutcome(result: unknown): unknown {
  if (!result || typeof result !== "object" || !("outcome" in result)) return result;
  const o = result as Outcome<unknown>;
  if (o.outcome === "ok") return o.value;
  throw new SwitchyardError(o.error.code, o.error.message, { field: o.error.field });
}
