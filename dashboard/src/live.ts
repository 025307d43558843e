// The live WebSockets: the tenant's feed (what changed, so views re-read it through the tools) and
// a run's own stream of events. Both reconnect after a drop (backing off while the server refuses,
// e.g. an expired session); the run's resumes after its last seq.
import { backoffHalfJitter } from "../../shared/backoff.ts";
import type { RunLiveMessage, TenantLiveMessage } from "../../shared/dashboard/live-messages.ts";
import type { RunEvent, RunView } from "./types.ts";

const RETRY = { baseMs: 500, capMs: 30_000, random: Math.random };
/** How long to wait before reconnecting after `attempt` closes in a row without an open between. */
const retryDelay = (attempt: number) => backoffHalfJitter(attempt, RETRY);

const socketUrl = (path: string) =>
  `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;

export type FeedKind = TenantLiveMessage["type"];
type FeedListener = (kind: FeedKind) => void;

const listeners = new Set<FeedListener>();
let feed: WebSocket | null = null;
let feedWanted = false;
let feedAttempt = 0;

/** Opens the tenant's feed once signed in; listeners hear every kind of change. */
export function startFeed(): void {
  feedWanted = true;
  if (feed) return;
  const ws = new WebSocket(socketUrl("/dashboard/live"));
  feed = ws;
  ws.onopen = () => (feedAttempt = 0);
  ws.onmessage = (m) => {
    const msg = JSON.parse(String(m.data)) as TenantLiveMessage;
    for (const l of listeners) l(msg.type);
  };
  ws.onclose = () => {
    feed = null;
    if (feedWanted) setTimeout(startFeed, retryDelay(feedAttempt++));
  };
}

export function stopFeed(): void {
  feedWanted = false;
  feed?.close();
}

/** Listens to the feed; returns the function that stops listening (a hook's cleanup). */
export function onFeed(listener: FeedListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface RunStreamHandlers {
  events(events: RunEvent[]): void;
  run(view: RunView): void;
  error(error: { code: string; message: string }): void;
}

/**
 * Follows a run through `/dashboard/runs/<id>/live`: every event after `afterSeq`, then each as it
 * is stored. After a drop it reconnects from the last seq it delivered, so no event comes twice;
 * once the run has ended a closed socket stays closed. Returns the function that stops following.
 */
export function followRun(runId: string, afterSeq: number, on: RunStreamHandlers): () => void {
  let lastSeq = afterSeq;
  let stopped = false;
  let ended = false;
  let attempt = 0;
  let ws: WebSocket;
  const open = () => {
    ws = new WebSocket(socketUrl(`/dashboard/runs/${encodeURIComponent(runId)}/live?after_seq=${lastSeq}`));
    ws.onopen = () => (attempt = 0);
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as RunLiveMessage<RunEvent, RunView>;
      if (msg.type === "events") {
        const fresh = msg.events.filter((e) => e.seq > lastSeq);
        if (fresh.length) {
          lastSeq = fresh.at(-1)!.seq;
          on.events(fresh);
        }
      } else if (msg.type === "run") {
        ended = msg.run.terminal;
        on.run(msg.run);
      } else if (msg.type === "error") {
        stopped = true;
        on.error(msg.error);
      }
    };
    ws.onclose = () => {
      if (!stopped && !ended) setTimeout(() => !stopped && open(), retryDelay(attempt++));
    };
  };
  open();
  return () => {
    stopped = true;
    ws.close();
  };
}
