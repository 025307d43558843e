// The WebSocket the link dials, as the narrow shape the dialer uses, and the production factory:
// Node 22's global WebSocket (undici), which takes request headers as a non-standard option.

/** Just what the dialer touches; Node's WebSocket and the `ws` package both fit. */
export interface LinkSocket {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket to `url` with extra handshake headers. */
export type SocketFactory = (url: string, headers: Record<string, string>) => LinkSocket;

type HeaderWebSocket = new (url: string, init: { headers: Record<string, string> }) => LinkSocket;

/**
 * The token goes in an `Authorization` header, not in the subprotocol or the query string, which
 * end up in access logs. undici's WebSocket accepts `{ headers }` as its second argument (checked
 * on Node 22.23); the standard typings do not know it, hence the cast.
 */
export const nodeWebSocket: SocketFactory = (url, headers) =>
  new (globalThis.WebSocket as unknown as HeaderWebSocket)(url, { headers });
