// A runner peer scripted by the test, over a real WebSocket to the Worker under test: it speaks
// the wire protocol from shared/protocol/frames.ts and nothing else.
import { SELF } from "cloudflare:test";
import {
  PROTOCOL_VERSION,
  RUNNER_NAME_HEADER,
  WorkerFrameSchema,
  type DispatchFrame,
  type WorkerFrame,
} from "../../../shared/protocol/frames.ts";
import type { TestClient } from "./mcp.ts";

export interface ScriptedRunnerOptions {
  token?: string;
  name: string;
  labels?: Record<string, string>;
  maxRuns?: number;
  backends?: string[];
  /** Backends declared in the hello as probed but not installed (as a real runner declares them). */
  uninstalled?: string[];
  activeRuns?: string[];
  /** Directories it takes runs in (default: every directory). */
  roots?: string[];
  /** The runner process it stands for; a fresh one by default. Reuse it to model a reconnect. */
  instance?: string;
  replace?: boolean;
  /** The name the handshake carries, when it is to differ from the hello's (default: `name`). */
  handshakeName?: string;
  /** Changes the hello before it is sent (to speak as another version of the runner). */
  rewriteHello?: (hello: Record<string, unknown>) => unknown;
}

export class ScriptedRunner {
  /** Frames not taken by `next` yet. */
  readonly frames: WorkerFrame[] = [];
  /** Every frame received, as its raw text, in order (`next` takes nothing from here). */
  readonly received: string[] = [];
  closed: { code: number; reason: string } | undefined;
  #socket: WebSocket | undefined;
  #waiters: (() => void)[] = [];

  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  static async connect(options: ScriptedRunnerOptions): Promise<ScriptedRunner> {
    const runner = new ScriptedRunner(options.name);
    const res = await SELF.fetch("http://switchyard.test/runner/connect", {
      headers: {
        upgrade: "websocket",
        authorization: `Bearer ${options.token ?? "runner-token-acme"}`,
        [RUNNER_NAME_HEADER]: encodeURIComponent(options.handshakeName ?? options.name),
      },
    });
    const socket = res.webSocket;
    if (!socket) throw new Error(`no websocket: HTTP ${res.status}`);
    socket.accept();
    runner.#socket = socket;
    socket.addEventListener("message", (e) => {
      runner.received.push(String(e.data));
      runner.frames.push(WorkerFrameSchema.parse(JSON.parse(String(e.data))));
      runner.#wake();
    });
    socket.addEventListener("close", (e) => {
      runner.closed = { code: e.code, reason: e.reason };
      runner.#wake();
    });
    const rewrite = options.rewriteHello ?? ((hello) => hello);
    runner.send(
      rewrite({
        type: "runner.hello",
        protocol: PROTOCOL_VERSION,
        name: options.name,
        version: "test",
        labels: options.labels ?? {},
        max_runs: options.maxRuns ?? 2,
        backends: [
          ...(options.backends ?? ["codex"]).map((backend) => ({
            backend,
            installed: true,
            credentials: "configured",
          })),
          ...(options.uninstalled ?? []).map((backend) => ({
            backend,
            installed: false,
            credentials: "unknown",
          })),
        ],
        roots: options.roots ?? ["/"],
        instance: options.instance ?? crypto.randomUUID(),
        replace: options.replace ?? false,
        active_runs: options.activeRuns ?? [],
      }),
    );
    return runner;
  }

  send(frame: unknown): void {
    this.#socket!.send(JSON.stringify(frame));
  }

  close(): void {
    this.#socket!.close(1000, "test done");
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits for the next frame matching `pick` (frames already received count). */
  async next<T extends WorkerFrame["type"]>(
    type: T,
    pick: (f: Extract<WorkerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Extract<WorkerFrame, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(
        (f): f is Extract<WorkerFrame, { type: T }> =>
          f.type === type && pick(f as Extract<WorkerFrame, { type: T }>),
      );
      if (found) {
        this.frames.splice(this.frames.indexOf(found), 1);
        return found;
      }
      if (this.closed)
        throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) waiting for ${type}`);
      if (Date.now() > deadline) throw new Error(`no ${type} frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Relays events as the run's outputs `from..from+n-1`. */
  outputs(runId: string, from: number, events: { type: string; data: Record<string, unknown> }[]): void {
    this.send({
      type: "run.outputs",
      run_id: runId,
      items: events.map((event, i) => ({ source_seq: from + i, output: { kind: "event", event } })),
    });
  }
}

/**
 * A runner named `<prefix>-<random>` and a codex run spawned for it (with `spawn` merged into the
 * spawn_run arguments), once the runner has its dispatch.
 */
export async function runnerWithRun(
  c: TestClient,
  prefix: string,
  spawn: Record<string, unknown> = {},
): Promise<{ runner: ScriptedRunner; runId: string; dispatch: DispatchFrame }> {
  const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  const runner = await ScriptedRunner.connect({ name, backends: ["codex"] });
  const run = await c.ok("spawn_run", {
    backend: "codex",
    prompt: "go",
    cwd: "/w",
    ...spawn,
    backend_config: { runner: name },
  });
  const dispatch = await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
  return { runner, runId: run.run_id, dispatch };
}
