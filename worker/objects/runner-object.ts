// RunnerObject: one per runner, named `<tenant>/<runner name>`, a plain Durable Object. Holds the
// runner's WebSocket (Hibernation API; heartbeats answered automatically) and runs its link
// (runners/runner-link.ts): outputs go straight to the runs' objects and are acknowledged here, so
// a tenant's frames are spread over its runners' objects. The tenant calls the RPC methods below.
import { DurableObject } from "cloudflare:workers";
import { outcome, type Outcome } from "../../shared/errors.ts";
import {
  CLOSE_CODES,
  PING_TEXT,
  PONG_TEXT,
  RUNNER_NAME_HEADER,
  RunnerFrameSchema,
  type WorkerFrame,
} from "../../shared/protocol/frames.ts";
import type { Env } from "../env.ts";
import { linkTimings } from "../runners/link-timings.ts";
import { RunAuthority } from "../runners/run-authority.ts";
import { RunnerLink } from "../runners/runner-link.ts";
import { openRunnerStorage } from "../storage/runner-storage.ts";
import { runStub, splitRunnerObjectName, tenantStub } from "./stubs.ts";

export class RunnerObject extends DurableObject<Env> {
  #link: RunnerLink | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_TEXT, PONG_TEXT));
  }

  get #l(): RunnerLink {
    if (this.#link) return this.#link;
    const { tenant, runner } = splitRunnerObjectName(this.ctx.id.name);
    const { heartbeatMs, graceMs } = linkTimings(this.env);
    const hub = async () => tenantStub(this.env, tenant);
    this.#link = new RunnerLink({
      tenant,
      runner,
      authority: new RunAuthority(openRunnerStorage(this.ctx.storage)),
      hub: {
        hello: async (connectionId, hello) => (await hub()).runnerHello(runner, connectionId, hello),
        refused: async (frame) => (await hub()).runnerRefused(runner, frame),
        laneReply: async (frame) => (await hub()).runnerLaneReply(runner, frame),
        gone: async (connectionId) => (await hub()).runnerGone(runner, connectionId),
      },
      send: (id, frame) => {
        const socket = this.#socket(id);
        if (!socket) return false;
        socket.send(JSON.stringify(frame));
        return true;
      },
      close: (id, { code }, reason) => this.#socket(id)?.close(code, reason),
      lastHeard: (id) => {
        const socket = this.#socket(id);
        if (socket?.readyState !== WebSocket.OPEN) return null;
        return this.ctx.getWebSocketAutoResponseTimestamp(socket)?.getTime() ?? 0;
      },
      run: (runId) => runStub(this.env, tenant, runId),
      now: () => Date.now(),
      heartbeatMs,
      graceMs,
    });
    return this.#link;
  }

  #socket(connectionId: string): WebSocket | undefined {
    return this.ctx.getWebSockets(connectionId)[0];
  }

  /** The runner's WebSocket, handed over by GET /runner/connect (routes/runner-connect.ts) only. */
  override async fetch(request: Request): Promise<Response> {
    const named = decodeURIComponent(request.headers.get(RUNNER_NAME_HEADER) ?? "");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || named !== this.#l.deps.runner)
      return new Response("expected the runner's WebSocket", { status: 400 });
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [crypto.randomUUID()]);
    await this.#sweepLater();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const connectionId = this.ctx.getTags(socket)[0]!;
    let raw: unknown;
    try {
      raw = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message));
    } catch {
      raw = undefined; // reported below as a bad frame
    }
    const frame = RunnerFrameSchema.safeParse(raw);
    if (!frame.success && this.#l.refuseOtherProtocol(connectionId, raw)) return;
    if (!frame.success) {
      socket.close(
        CLOSE_CODES.bad_frame.code,
        `bad frame: ${frame.error.issues[0]?.message ?? "not JSON"}`.slice(0, 120),
      );
      return;
    }
    await this.#l.onFrame(connectionId, frame.data);
  }

  override async webSocketClose(socket: WebSocket): Promise<void> {
    await this.#l.onClose(this.ctx.getTags(socket)[0]!);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    await this.#l.onClose(this.ctx.getTags(socket)[0]!);
  }

  /** Every heartbeat while a link holds the name: a link gone silent is closed and reported gone. */
  override async alarm(): Promise<void> {
    await this.#l.sweepStale();
    if (this.#l.connected) await this.#sweepLater();
  }

  async #sweepLater(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + this.#l.deps.heartbeatMs);
  }

  // ── called by the tenant's hub only ─────────────────────────────────────────────────────

  /** Sends a frame on `connectionId` if it still holds the runner's name; false when it does not. */
  async deliver(connectionId: string, frame: WorkerFrame): Promise<Outcome<boolean>> {
    return outcome(() => this.#l.deliver(connectionId, frame));
  }

  /** The run is no longer this runner's: ended (its late outputs land for a while) or taken back. */
  async release(runId: string, ended: boolean): Promise<Outcome<void>> {
    return outcome(() => this.#l.release(runId, ended));
  }

  /** Whether `connectionId` holds the runner's name and was heard from lately. */
  async isLive(connectionId: string): Promise<Outcome<boolean>> {
    return outcome(() => this.#l.isLive(connectionId));
  }
}
