// A runner peer that only speaks the link protocol (shared/protocol/frames.ts): it takes one
// dispatched run and feeds it stamped events in `run.outputs` frames as fast as the Worker
// acknowledges them. It measures what one run's object ingests through the runner link, without
// a model or an agent producing the events, and builds the big log of the big-log scenario quickly.
import { WebSocket } from "ws";
import {
  PING_TEXT,
  PROTOCOL_VERSION,
  RUNNER_NAME_HEADER,
  WorkerFrameSchema,
  type DispatchFrame,
  type WorkerFrame,
} from "../../shared/protocol/frames.ts";
import { stampText } from "./bench-agent.ts";
import type { Cleanup } from "./cleanup.ts";
import { RUNNER_TOKEN } from "./switchyard.ts";
import { wallMs } from "./stats.ts";

export interface LinkFeeder {
  name: string;
  /** Resolves with the next dispatch frame. */
  dispatched(): Promise<DispatchFrame>;
  /**
   * Feeds `count` agent_message events to the run (after run_started), then run_completed, in
   * frames of `batch` with up to `window` frames unacknowledged; resolves when all are acknowledged.
   */
  feed(runId: string, count: number, batch?: number, window?: number): Promise<void>;
}

export async function startLinkFeeder(
  cleanup: Cleanup,
  url: string,
  name = "bench-feeder",
): Promise<LinkFeeder> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/runner/connect`, {
    headers: { authorization: `Bearer ${RUNNER_TOKEN}`, [RUNNER_NAME_HEADER]: encodeURIComponent(name) },
  });
  cleanup.defer("link feeder", () => socket.close(1000, "bench done"));
  const frames: WorkerFrame[] = [];
  const waiters = new Set<() => void>();
  socket.on("message", (data) => {
    const text = String(data);
    if (text === '{"type":"pong"}') return;
    frames.push(WorkerFrameSchema.parse(JSON.parse(text)));
    for (const wake of waiters) wake();
  });
  const next = <T extends WorkerFrame["type"]>(
    type: T,
    match: (f: Extract<WorkerFrame, { type: T }>) => boolean = () => true,
  ) =>
    new Promise<Extract<WorkerFrame, { type: T }>>((resolve, reject) => {
      const check = () => {
        const i = frames.findIndex((f) => f.type === type && match(f as Extract<WorkerFrame, { type: T }>));
        if (i < 0) return;
        waiters.delete(check);
        socket.off("close", closed);
        resolve(frames.splice(i, 1)[0] as Extract<WorkerFrame, { type: T }>);
      };
      const closed = () => reject(new Error(`the link closed while waiting for ${type}`));
      socket.once("close", closed);
      waiters.add(check);
      check();
    });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  socket.send(
    JSON.stringify({
      type: "runner.hello",
      protocol: PROTOCOL_VERSION,
      name,
      version: "bench",
      labels: {},
      max_runs: 1,
      backends: [{ backend: "codex", installed: true, credentials: "configured" }],
      roots: ["/"],
      instance: crypto.randomUUID(),
      replace: false,
      active_runs: [],
    }),
  );
  const welcome = await next("runner.welcome");
  // Heartbeats, as a real runner sends them, so a long feed is not taken for a dead link.
  const beat = setInterval(() => socket.send(PING_TEXT), welcome.heartbeat_ms);
  cleanup.defer("link feeder heartbeat", () => clearInterval(beat));

  return {
    name,
    dispatched: () => next("run.dispatch"),
    async feed(runId, count, batch = 200, window = 4) {
      const item = (seq: number) => {
        if (seq === 1) return { kind: "event", event: { type: "run_started", data: {} } };
        if (seq === count + 2)
          return { kind: "event", event: { type: "run_completed", data: { final_response: "fed" } } };
        return {
          kind: "event",
          event: { type: "agent_message", data: { text: stampText(seq - 1, wallMs(), "") } },
        };
      };
      const last = count + 2;
      let sent = 0;
      let acked = 0;
      while (acked < last) {
        while (sent < last && sent - acked < batch * window) {
          const items = [];
          for (let s = sent + 1; s <= Math.min(last, sent + batch); s++)
            items.push({ source_seq: s, output: item(s) });
          socket.send(JSON.stringify({ type: "run.outputs", run_id: runId, items }));
          sent += items.length;
        }
        acked = Math.max(acked, (await next("run.ack", (f) => f.run_id === runId)).source_seq);
      }
    },
  };
}
