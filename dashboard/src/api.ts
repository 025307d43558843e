// Talking to the Worker: the session (sign-in, sign-out) and the tools behind /dashboard/tools/,
// which answer a tool error as {ok:false, error} rather than an HTTP failure; or, inside an MCP
// client's app frame, the same tools through the host's bridge.
export interface Session {
  tenant: string;
  csrf_token: string;
  expires_at: string;
}

export interface ToolErrorBody {
  code: string;
  message: string;
  field?: string;
}

/** A tool refused the call (bad input, a run that cannot be cancelled …): shown, never thrown away. */
export class ToolError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  constructor(body: ToolErrorBody) {
    super(body.message);
    this.code = body.code;
    this.field = body.field;
  }
}

/** The session signed in, or null after sign-out / before sign-in; POSTs carry its CSRF token. */
let current: Session | null = null;

/** Called with null when the server no longer knows the session (expired, revoked). */
let onSignedOut: () => void = () => {};
export const whenSignedOut = (handler: () => void) => (onSignedOut = handler);

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function loadSession(): Promise<Session | null> {
  const res = await fetch("/dashboard/session", { credentials: "same-origin" });
  current = res.ok ? await json<Session>(res) : null;
  return current;
}

/** Signs in with a bearer token; resolves to the session, or rejects with the server's message. */
export async function signIn(token: string): Promise<Session> {
  const res = await fetch("/dashboard/signin", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  const body = await json<Session & { message?: string }>(res).catch(() => ({}) as { message?: string });
  if (!res.ok) throw new Error(body.message ?? `sign-in failed (${res.status})`);
  current = body as Session;
  return current;
}

export async function signOut(): Promise<void> {
  if (current)
    await fetch("/dashboard/signout", {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-csrf-token": current.csrf_token },
    });
  current = null;
}

/** Calls a tool and resolves to its structured result; a tool error rejects with ToolError. */
export type ToolTransport = <T>(name: string, args: Record<string, unknown>) => Promise<T>;

/** Calls a tool for the session's tenant through /dashboard/tools/. */
async function overHttp<T>(name: string, args: Record<string, unknown>): Promise<T> {
  const res = await fetch(`/dashboard/tools/${name}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": current?.csrf_token ?? "" },
    body: JSON.stringify(args),
  });
  if (res.status === 401) {
    current = null;
    onSignedOut();
  }
  if (!res.ok) throw new ToolError({ code: `http_${res.status}`, message: `${name}: HTTP ${res.status}` });
  const body = await json<{ ok: true; result: T } | { ok: false; error: ToolErrorBody }>(res);
  if (!body.ok) throw new ToolError(body.error);
  return body.result;
}

let transport: ToolTransport = overHttp;

/** Sends every later tool call through `next` (the MCP App's host bridge). */
export const setToolTransport = (next: ToolTransport) => (transport = next);

/** Calls a tool; a tool error rejects with ToolError. */
export const callTool = <T>(name: string, args: Record<string, unknown> = {}): Promise<T> =>
  transport<T>(name, args);

/** The text of a tool error as the page shows it: `code: message (field)`. */
export function describeError(e: unknown): string {
  if (e instanceof ToolError) return `${e.code}: ${e.message}${e.field ? ` (field ${e.field})` : ""}`;
  return e instanceof Error ? e.message : String(e);
}
