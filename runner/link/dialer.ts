// The runner's end of the link socket: dials `${url}/runner/connect` with the runner token, says
// hello, keeps the heartbeat, reconnects with backoff, and relays outputs through the resend queue
// in `runs.outputs` frames, each coalescing what all runs produced. What dispatch, continue and cancel mean is runner.ts's business.
import {
  CLOSE_CODES,
  PING_TEXT,
  RUNNER_NAME_HEADER,
  WorkerFrameSchema,
  type RunnerFrame,
  type WorkerFrame,
} from "../../shared/protocol/frames.ts";
import { backoffDelay, type BackoffOptions } from "../../shared/backoff.ts";
import { isTerminal } from "../../shared/runs/run-statuses.ts";
import { statusAfter } from "../../shared/runs/status.ts";
import { systemClock, type Clock } from "./clock.ts";
import { ResendQueue, type RelayedOutput } from "./resend-queue.ts";
import { nodeWebSocket, type LinkSocket, type SocketFactory } from "./socket.ts";

export type HelloFrame = Extract<RunnerFrame, { type: "runner.hello" }>;
export type RefusedFrame = Extract<RunnerFrame, { type: "run.refused" }>;
export type LaneReplyFrame = Extract<RunnerFrame, { type: "lane.reply" }>;
export type WelcomeFrame = Extract<WorkerFrame, { type: "runner.welcome" }>;
/** The frames the link hands to the runner; the rest (welcome, acks, pongs) are the link's own. */
export type RunFrame = Exclude<WorkerFrame, { type: "runner.welcome" | "run.ack" | "runs.ack" | "pong" }>;
export type CloseName = keyof typeof CLOSE_CODES;

export type LinkEvent =
  | { type: "connected"; welcome: WelcomeFrame }
  /** `welcomed`: the link had been up; otherwise this attempt never got that far. */
  | { type: "lost"; code: number; reason: string; retryInMs: number; welcomed: boolean }
  /** Closed with a code after which dialing again cannot help (frames.ts CLOSE_CODES). */
  | { type: "fatal"; close: CloseName; code: number; reason: string }
  | { type: "bad_frame"; detail: string };

export interface DialerOptions {
  /** The Switchyard base URL (http, https, ws or wss). */
  url: string;
  token: string;
  /** Built afresh for every connection: `active_runs` changes. */
  hello: () => HelloFrame;
  onFrame: (frame: RunFrame) => void;
  onEvent: (event: LinkEvent) => void;
  socket?: SocketFactory;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** A link welcomed this long ago counts as stable: the next loss retries from attempt 0 (ms). */
  stableMs?: number;
  /** Open plus welcome must take less than this, or the attempt counts as failed (ms). */
  handshakeMs?: number;
  capacityPerRun?: number;
  /**
   * A frame carries up to maxItems of all runs together and about maxBytes of JSON; a frame that is
   * not full goes no sooner than coalesceMs after the one before.
   */
  batch?: { maxItems: number; maxBytes: number; coalesceMs: number };
  /**
   * Sent but unacknowledged JSON bytes at which sending pauses until acks arrive. Keeps the
   * Worker's backlog short: what it has not stored when a link drops is sent again.
   */
  maxInFlightBytes?: number;
}

export interface Link {
  start(): void;
  /** Queues one output of a run; resolves once queued (waits while the run's queue is full). */
  send(runId: string, sourceSeq: number, output: RelayedOutput): Promise<void>;
  /** Sends a refusal now, or as soon as the link is up again. */
  refuse(frame: RefusedFrame): void;
  /** Answers a lane request now, or as soon as the link is up again. */
  reply(frame: LaneReplyFrame): void;
  /** Runs with outputs the Worker has not acknowledged. */
  pendingRunIds(): string[];
  /** Resolves true once every output is acknowledged, false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean>;
  /** Closes for good (code 1000); resolves when the close is sent or after a second. */
  stop(): Promise<void>;
}

const FATAL = new Map<number, CloseName>(
  Object.entries(CLOSE_CODES).flatMap(([name, rule]) =>
    rule.retry ? [] : [[rule.code, name as CloseName] as const],
  ),
);

/**
 * Reconnect delays by default: the first retry within 0.1 s (a dropped link that was working is
 * most often back at once; BENCHMARKS.md "runner relay"), doubling to never more than 30 s apart.
 */
/** Whether `output` is the event that ends its run. */
function endsRun(output: RelayedOutput): boolean {
  const status = output.kind === "event" ? statusAfter(output.event) : undefined;
  return status !== undefined && isTerminal(status);
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 30_000, random: Math.random };

/** `${base}/runner/connect` on the WebSocket scheme matching the base URL's. */
export function toConnectUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol.replace(/^http/, "ws");
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/runner/connect`;
  return url.toString();
}

/** What one `runs.outputs` frame may carry (frames.ts). */
const MAX_RUNS_PER_FRAME = 256;

export function createDialer(options: DialerOptions): Link {
  const { clock = systemClock, socket: openSocket = nodeWebSocket, backoff = DEFAULT_BACKOFF } = options;
  const { stableMs = 30_000, handshakeMs = 15_000 } = options;
  const batch = options.batch ?? { maxItems: 500, maxBytes: 512 * 1024, coalesceMs: 100 };
  const maxInFlightBytes = options.maxInFlightBytes ?? 4 * 1024 * 1024;
  const queue = new ResendQueue(options.capacityPerRun);
  const url = toConnectUrl(options.url);

  let ws: LinkSocket | undefined;
  let welcomedAt: number | undefined;
  let heardAt = 0;
  let attempt = 0;
  /** Set when flush stopped at maxInFlightBytes with items still unsent. */
  let windowFull = false;
  /** The run that came last in the last frame; the next frame starts with the run after it. */
  let lastSender = "";
  /** When the last outputs frame went out (clock ms). */
  let flushedAt = -Infinity;
  let stopped = false;
  let onStopped: (() => void) | undefined;
  /**
   * Refusals and lane replies not sent yet: the Worker would otherwise take the run for lost, not
   * refused, or wait for a reply until its timeout.
   */
  const unsent: (RefusedFrame | LaneReplyFrame)[] = [];
  const timers = {
    handshake: undefined as unknown,
    heartbeat: undefined as unknown,
    flush: undefined as unknown,
    retry: undefined as unknown,
  };

  function clearTimer(name: keyof typeof timers): void {
    if (timers[name] !== undefined) clock.clearTimeout(timers[name]);
    timers[name] = undefined;
  }

  function connect(): void {
    const socket = openSocket(url, {
      Authorization: `Bearer ${options.token}`,
      [RUNNER_NAME_HEADER]: encodeURIComponent(options.hello().name),
    });
    ws = socket;
    heardAt = clock.now();
    timers.handshake = clock.setTimeout(
      () => drop(socket, CLOSE_CODES.stale.code, `no welcome within ${handshakeMs} ms`),
      handshakeMs,
    );
    socket.onopen = () => socket.send(JSON.stringify(options.hello()));
    socket.onmessage = (event) => onMessage(event.data);
    socket.onclose = (event) => drop(socket, event.code, event.reason);
    // A failed handshake fires only `error` on Node 22's WebSocket (no `close`), so it ends the attempt.
    socket.onerror = (event) => drop(socket, 1006, errorMessage(event));
  }

  /** Ends `socket`'s attempt, once, then dials again unless stopped or the close is fatal. */
  function drop(socket: LinkSocket, code: number, reason: string): void {
    if (socket !== ws) return;
    ws = undefined;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(code >= 3000 && code < 5000 ? code : 1000, reason.slice(0, 100));
    } catch {
      // Closing a socket that is already closed or broken may throw; it is gone either way.
    }
    (["handshake", "heartbeat", "flush"] as const).forEach(clearTimer);
    const welcomed = welcomedAt !== undefined;
    if (welcomedAt !== undefined && clock.now() - welcomedAt >= stableMs) attempt = 0;
    welcomedAt = undefined;
    if (stopped) return onStopped?.();
    const fatal = FATAL.get(code);
    if (fatal) {
      stopped = true;
      return options.onEvent({ type: "fatal", close: fatal, code, reason });
    }
    const retryInMs = backoffDelay(attempt++, backoff);
    options.onEvent({ type: "lost", code, reason, retryInMs, welcomed });
    timers.retry = clock.setTimeout(() => {
      timers.retry = undefined;
      connect();
    }, retryInMs);
  }

  function onMessage(data: unknown): void {
    heardAt = clock.now();
    const frame = parseFrame(data);
    if (!frame.ok) return options.onEvent({ type: "bad_frame", detail: frame.detail });
    switch (frame.value.type) {
      case "runner.welcome":
        return onWelcome(frame.value);
      case "run.ack":
      case "runs.ack":
        for (const { run_id, source_seq } of frame.value.type === "run.ack"
          ? [frame.value]
          : frame.value.acks)
          queue.ack(run_id, source_seq);
        // Sending paused on a full window goes on as acks make room.
        if (windowFull) flush();
        return;
      case "pong":
        return;
      default:
        return options.onFrame(frame.value);
    }
  }

  function onWelcome(welcome: WelcomeFrame): void {
    clearTimer("handshake");
    welcomedAt = clock.now();
    queue.rewind();
    flush();
    beat(ws!, welcome.heartbeat_ms);
    options.onEvent({ type: "connected", welcome });
  }

  /** Pings every heartbeat; three heartbeats without hearing anything mean a dead link. */
  function beat(socket: LinkSocket, heartbeatMs: number): void {
    timers.heartbeat = clock.setTimeout(() => {
      const silentMs = clock.now() - heardAt;
      if (silentMs >= 3 * heartbeatMs)
        return drop(socket, CLOSE_CODES.stale.code, `no pong for ${silentMs} ms`);
      socket.send(PING_TEXT);
      beat(socket, heartbeatMs);
    }, heartbeatMs);
  }

  /**
   * Sends pending refusals and lane replies, then every unsent item in order, in `runs.outputs`
   * frames that each carry up to maxItems of all the runs together (the runs taking turns: a frame
   * starts after the run that came last), until everything is sent or maxInFlightBytes wait for
   * acknowledgement.
   */
  function flush(): void {
    clearTimer("flush");
    if (!ws || welcomedAt === undefined) return;
    for (const frame of unsent.splice(0)) ws.send(JSON.stringify(frame));
    windowFull = false;
    while (queue.unsent > 0) {
      if (queue.inFlightBytes >= maxInFlightBytes) {
        windowFull = true;
        return;
      }
      const runs = frameOfRuns();
      if (runs.length === 0) return;
      // Items are JSON already (serialized once when queued); the frame is assembled around them.
      ws.send(`{"type":"runs.outputs","runs":[${runs.join(",")}]}`);
      flushedAt = clock.now();
    }
  }

  /** The next frame's runs, as JSON: each run's unsent items in order, within the frame's bounds. */
  function frameOfRuns(): string[] {
    const runIds = queue.runIds();
    const first = runIds.indexOf(lastSender) + 1;
    const runs: string[] = [];
    let items = 0;
    let bytes = 0;
    for (let i = 0; i < runIds.length && items < batch.maxItems && runs.length < MAX_RUNS_PER_FRAME; i++) {
      const runId = runIds[(first + i) % runIds.length]!;
      const b = queue.nextBatch(runId, batch.maxItems - items, batch.maxBytes - bytes, runs.length === 0);
      if (!b) continue;
      runs.push(`{"run_id":${JSON.stringify(b.runId)},"items":[${b.items.join(",")}]}`);
      items += b.items.length;
      bytes += b.bytes;
      lastSender = runId;
    }
    return runs;
  }

  function sendSoon(frame: RefusedFrame | LaneReplyFrame): void {
    unsent.push(frame);
    flush();
  }

  return {
    start: connect,
    async send(runId, sourceSeq, output) {
      await queue.push(runId, sourceSeq, output);
      // A full frame goes at once, and so does a run's ending (rare, and what waiters wait for); a
      // partial one waits until coalesceMs after the last frame, so an idle link sends its first
      // output now and a busy one a frame per coalesceMs.
      if (queue.unsent >= batch.maxItems || queue.unsentBytes >= batch.maxBytes || endsRun(output)) flush();
      else timers.flush ??= clock.setTimeout(flush, Math.max(0, flushedAt + batch.coalesceMs - clock.now()));
    },
    refuse: sendSoon,
    reply: sendSoon,
    pendingRunIds: () => queue.runIds(),
    drained(timeoutMs) {
      return new Promise((resolve) => {
        const timer = clock.setTimeout(() => resolve(false), timeoutMs);
        void queue.whenEmpty().then(() => {
          clock.clearTimeout(timer);
          resolve(true);
        });
      });
    },
    stop() {
      stopped = true;
      clearTimer("retry");
      const socket = ws;
      if (!socket) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = clock.setTimeout(resolve, 1000);
        onStopped = () => {
          clock.clearTimeout(timer);
          resolve();
        };
        socket.close(1000, "runner stopped");
      });
    },
  };
}

function parseFrame(data: unknown): { ok: true; value: WorkerFrame } | { ok: false; detail: string } {
  if (typeof data !== "string") return { ok: false, detail: "expected a text frame" };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, detail: `not JSON: ${data.slice(0, 80)}` };
  }
  const parsed = WorkerFrameSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, detail: `${issue?.path.join(".") || "frame"}: ${issue?.message ?? "invalid"}` };
}

function errorMessage(event: unknown): string {
  const message = (event as { message?: unknown } | null)?.message;
  return typeof message === "string" && message ? message : "connection error";
}
