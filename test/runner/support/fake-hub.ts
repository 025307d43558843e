// A stand-in for the Worker's runner hub on 127.0.0.1 (a real WebSocket server, `ws`): checks the
// runner token, welcomes, records every frame per connection, acknowledges on request or at once,
// and can close or cut the link on command. Waits are event-driven, never sleeps.
import type { IncomingMessage } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import {
  CLOSE_CODES,
  PONG_TEXT,
  RunnerFrameSchema,
  outputsOf,
  type RunOutputs,
  type RunnerFrame,
  type WorkerFrame,
} from "../../../shared/protocol/frames.ts";
import { Changes } from "./changes.ts";

export interface FakeHubOptions {
  token?: string;
  heartbeatMs?: number;
  /** Acknowledge every outputs frame as soon as it arrives. */
  autoAck?: boolean;
  /** Answer pings with pongs (the Worker's automatic response). */
  pong?: boolean;
}

export interface Connection {
  socket: WebSocket;
  request: IncomingMessage;
  frames: RunnerFrame[];
  /** Raw texts of every message, pings included. */
  texts: string[];
}

export type Item = RunOutputs["items"][number];

/** Each run's share of an outputs frame, or nothing for any other frame. */
const outputsIn = (frame: RunnerFrame): RunOutputs[] =>
  frame.type === "run.outputs" || frame.type === "runs.outputs" ? outputsOf(frame) : [];

export class FakeHub {
  readonly connections: Connection[] = [];
  readonly #server: WebSocketServer;
  readonly #options: Required<FakeHubOptions>;
  readonly #changes = new Changes();

  private constructor(server: WebSocketServer, options: FakeHubOptions) {
    this.#server = server;
    this.#options = { token: "runner-token", heartbeatMs: 60_000, autoAck: true, pong: true, ...options };
    server.on("connection", (socket, request) => this.#accept(socket, request));
  }

  static async start(options: FakeHubOptions = {}): Promise<FakeHub> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => server.once("listening", resolve));
    return new FakeHub(server, options);
  }

  get url(): string {
    const { port } = this.#server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  get current(): Connection {
    const last = this.connections.at(-1);
    if (!last) throw new Error("no runner connected yet");
    return last;
  }

  /** Every output item of a run, in arrival order over all connections (resends included). */
  items(runId: string, connection?: Connection): Item[] {
    return (connection ? [connection] : this.connections).flatMap((c) =>
      c.frames.flatMap((f) => outputsIn(f).flatMap((o) => (o.run_id === runId ? o.items : []))),
    );
  }

  refusals(): Extract<RunnerFrame, { type: "run.refused" }>[] {
    return this.connections.flatMap((c) => c.frames.flatMap((f) => (f.type === "run.refused" ? [f] : [])));
  }

  /** Resolves once `check` holds, re-checked on every connection and frame; fails after `timeoutMs`. */
  waitFor(check: () => boolean, what = "condition", timeoutMs = 5000): Promise<void> {
    return this.#changes.until(check, what, timeoutMs);
  }

  send(frame: WorkerFrame, connection = this.current): void {
    connection.socket.send(JSON.stringify(frame));
  }

  ack(runId: string, sourceSeq: number): void {
    this.send({ type: "run.ack", run_id: runId, source_seq: sourceSeq });
  }

  /** Cuts the TCP connection without a closing handshake. */
  cut(): void {
    this.current.socket.terminate();
  }

  close(code: number, reason = ""): void {
    this.current.socket.close(code, reason);
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #accept(socket: WebSocket, request: IncomingMessage): void {
    const connection: Connection = { socket, request, frames: [], texts: [] };
    this.connections.push(connection);
    this.#changes.notify();
    if (request.headers.authorization !== `Bearer ${this.#options.token}`) {
      socket.close(CLOSE_CODES.unauthorized.code, "unknown runner token");
      return;
    }
    socket.on("message", (data) => {
      const text = String(data);
      connection.texts.push(text);
      const frame = RunnerFrameSchema.parse(JSON.parse(text));
      connection.frames.push(frame);
      if (frame.type === "runner.hello") {
        this.send(
          { type: "runner.welcome", tenant: "acme", heartbeat_ms: this.#options.heartbeatMs },
          connection,
        );
      } else if (frame.type === "ping" && this.#options.pong) {
        socket.send(PONG_TEXT);
      } else if (this.#options.autoAck && outputsIn(frame).length > 0) {
        // Acknowledged in kind, as the Worker does: all runs of a runs.outputs in one runs.ack.
        const acks = outputsIn(frame).map(({ run_id, items }) => ({
          run_id,
          source_seq: items.at(-1)!.source_seq,
        }));
        this.send(
          frame.type === "runs.outputs" ? { type: "runs.ack", acks } : { type: "run.ack", ...acks[0]! },
          connection,
        );
      }
      this.#changes.notify();
    });
    socket.on("close", () => this.#changes.notify());
  }
}
