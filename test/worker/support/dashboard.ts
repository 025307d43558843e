// The dashboard's API as its browser app uses it, through SELF.fetch: signing in (the session
// cookie kept like a browser keeps it), tools with the CSRF header, and the live WebSockets read
// message by message.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";

/** The tests reach the Worker at http://switchyard.test; it knows itself by its https origin. */
export const ORIGIN = "https://switchyard.test";

export interface Session {
  tenant: string;
  csrf_token: string;
  expires_at: string;
  /** `name=value`, ready for a Cookie header. */
  cookie: string;
  /** The Set-Cookie header as served. */
  setCookie: string;
}

export const dashFetch = (path: string, init: RequestInit = {}) =>
  SELF.fetch(`${ORIGIN}${path}`, { redirect: "manual", ...init });

/** `name=value` of the cookie a Set-Cookie header sets. */
export const cookieOf = (setCookie: string) => setCookie.split(";")[0]!;

export async function signIn(token: string, origin: string = ORIGIN): Promise<Session> {
  const res = await SELF.fetch(`${origin}/dashboard/signin`, {
    method: "POST",
    headers: { origin, "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const body = (await res.json()) as Omit<Session, "cookie" | "setCookie">;
  return { ...body, cookie: cookieOf(setCookie), setCookie };
}

/** POST /dashboard/tools/<name> as the app does (cookie, CSRF header, same origin). */
export function toolCall(
  session: Pick<Session, "cookie" | "csrf_token">,
  name: string,
  args: unknown,
  headers: Record<string, string> = {},
) {
  return dashFetch(`/dashboard/tools/${name}`, {
    method: "POST",
    headers: {
      origin: ORIGIN,
      cookie: session.cookie,
      "x-csrf-token": session.csrf_token,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify(args),
  });
}

/** A tool that must answer ok: its result. */
export async function tool<T = Record<string, any>>(
  session: Session,
  name: string,
  args: unknown,
): Promise<T> {
  const res = await toolCall(session, name, args);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { ok: boolean; result?: T; error?: unknown };
  if (!body.ok) throw new Error(`${name} failed: ${JSON.stringify(body.error)}`);
  return body.result!;
}

/** A live socket's messages as they arrive, awaited one condition at a time. */
export class LiveSocket {
  readonly ws: WebSocket;
  readonly messages: any[] = [];
  closed: { code: number; reason: string } | undefined;
  #waiters: (() => void)[] = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (e) => {
      this.messages.push(JSON.parse(String(e.data)));
      this.#wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.#wake();
    });
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves once `pred(messages)` holds; fails if the socket closes first or 15 s pass. */
  async until(pred: (messages: any[]) => boolean, what: string): Promise<any[]> {
    const deadline = Date.now() + 15_000;
    while (!pred(this.messages)) {
      if (this.closed) throw new Error(`socket closed before ${what}: ${JSON.stringify(this.closed)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${what} within 15 s; got ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages;
  }

  /** Every event received, in the order received. */
  events(): any[] {
    return this.messages.filter((m) => m.type === "events").flatMap((m) => m.events);
  }

  close() {
    this.ws.close(1000, "done");
  }
}

/** Upgrades `path` to a WebSocket with the session's cookie; the response when it is refused. */
export async function openLive(
  path: string,
  session: Pick<Session, "cookie"> | undefined,
  /** null: no Origin header at all. */
  origin: string | null = ORIGIN,
): Promise<LiveSocket | Response> {
  const headers: Record<string, string> = { upgrade: "websocket" };
  if (origin !== null) headers.origin = origin;
  if (session) headers.cookie = session.cookie;
  const res = await dashFetch(path, { headers });
  return res.webSocket ? new LiveSocket(res.webSocket) : res;
}

export async function mustOpen(path: string, session: Pick<Session, "cookie">): Promise<LiveSocket> {
  const live = await openLive(path, session);
  if (live instanceof Response) throw new Error(`${path} answered ${live.status}: ${await live.text()}`);
  return live;
}
