// A run's live sockets, held by the run's own object (Hibernation API, tagged apart): on open each
// gets the events after its cursor in pages and the run's view; then every commit of the writer
// pushes what it appended, and the view when it changed. Each socket's cursor is kept in its
// attachment, so a socket woken from hibernation goes on exactly where it was.
import { LIVE_ERROR_CLOSE, type RunLiveMessage } from "../../shared/dashboard/live-messages.ts";
import type { ErrorBody } from "../../shared/errors.ts";
import type { RunEvent } from "../../shared/runs/events.ts";
import type { RunView } from "../runs/run-view.ts";

/** The tag a run's object gives its dashboard sockets. */
export const RUN_LIVE_TAG = "dashboard-run";
/** Events read from the log at a time. */
const PAGE_EVENTS = 100;
/** Largest `events` message sent (bytes of JSON, roughly): well under a WebSocket message's limit. */
const MESSAGE_BYTES = 512 * 1024;

interface Cursor {
  after_seq: number;
}

export interface RunLiveDeps {
  ctx: DurableObjectState;
  /** Up to `limit` stored events after `afterSeq`, in order. */
  read(afterSeq: number, limit: number): RunEvent[];
  view(): RunView;
}

/** The socket's cursor, however long it hibernated. */
const cursorOf = (ws: WebSocket): Cursor => (ws.deserializeAttachment() as Cursor | null) ?? { after_seq: 0 };

/** What a view is compared by: everything but the fields every event moves. */
const viewKey = ({ updated_at: _u, last_seq: _l, ...rest }: RunView) => JSON.stringify(rest);

const send = (ws: WebSocket, message: RunLiveMessage<RunEvent, RunView>) => ws.send(JSON.stringify(message));

export class RunLive {
  readonly #d: RunLiveDeps;
  /** The view last sent to every socket; after a wake from hibernation, unknown (sent again once). */
  #sentView: string | undefined;

  constructor(deps: RunLiveDeps) {
    this.#d = deps;
  }

  /** Accepts a socket following the run from `afterSeq`: everything after it now, the rest as it comes. */
  open(afterSeq: number): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.#d.ctx.acceptWebSocket(server, [RUN_LIVE_TAG]);
    server.serializeAttachment({ after_seq: afterSeq } satisfies Cursor);
    const view = this.#d.view();
    send(server, { type: "run", run: view });
    this.#catchUp(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A socket told why it gets nothing, then closed (this object holds no such run). */
  static refuse(error: Pick<ErrorBody, "code" | "message">): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    server.accept();
    send(server, { type: "error", error });
    server.close(LIVE_ERROR_CLOSE, error.code);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Called after each commit: every socket gets what was appended, and the view if it changed. */
  push(): void {
    const sockets = this.#d.ctx.getWebSockets(RUN_LIVE_TAG);
    if (sockets.length === 0) return;
    const view = this.#d.view();
    const key = viewKey(view);
    const changed = key !== this.#sentView;
    this.#sentView = key;
    for (const ws of sockets) {
      try {
        if (changed) send(ws, { type: "run", run: view });
        this.#catchUp(ws);
      } catch {
        // A socket closing meanwhile: its close arrives on its own, and a reconnect starts from its last seq.
      }
    }
  }

  /** Sends every stored event after the socket's cursor, in messages of bounded size, and moves the cursor. */
  #catchUp(ws: WebSocket): void {
    let { after_seq } = cursorOf(ws);
    for (;;) {
      const page = this.#d.read(after_seq, PAGE_EVENTS);
      if (page.length === 0) return;
      let batch: RunEvent[] = [];
      let bytes = 0;
      for (const event of page) {
        const size = JSON.stringify(event).length;
        if (batch.length && bytes + size > MESSAGE_BYTES) {
          after_seq = this.#sendEvents(ws, batch);
          batch = [];
          bytes = 0;
        }
        batch.push(event);
        bytes += size;
      }
      after_seq = this.#sendEvents(ws, batch);
    }
  }

  #sendEvents(ws: WebSocket, events: RunEvent[]): number {
    const next_after_seq = events.at(-1)!.seq;
    send(ws, { type: "events", events, next_after_seq });
    ws.serializeAttachment({ after_seq: next_after_seq } satisfies Cursor);
    return next_after_seq;
  }
}
