// The edge driver: follows an edge backend's stream for one run (start, continue, or recover after
// a lost stream or a restart) and hands what it yields to the run's writer in group commits. The
// run, its writer, the backend and the alarm come in as deps: no Durable Object lives here.
import type { BackendOutput, BackendRun, EdgeBackend, StreamEnd } from "../../shared/backends/backend.ts";
import { OutputBatch } from "./output-batch.ts";
import type { InputMessage } from "../../shared/runs/messages.ts";
import { statusAfter } from "../../shared/runs/status.ts";
import type { RunWriter } from "./run-writer.ts";

/** The longest an edge stream's outputs wait to be written together (ms); see output-batch.ts. */
const GROUP_COMMIT_MS = 100;

export type DriveKind = "start" | "continue" | "recover";

export interface EdgeDriverDeps {
  backend: EdgeBackend;
  writer: RunWriter;
  /** What the backend is given for the run as it is now (secrets, ref and checkpoint included). */
  spec(): BackendRun;
  /** Asks for `check()` to be called at or after `atMs` (epoch ms), surviving restarts. */
  checkAt(atMs: number): Promise<void>;
  now(): number;
}

export class EdgeDriver {
  readonly #d: EdgeDriverDeps;
  #abort: AbortController | undefined;
  #driving = false;
  /** Set by `halt`: the run is ending, so nothing may follow its stream again, the watchdog included. */
  #halted = false;
  /** What the stream yielded and is not written yet; flushed before anything else touches the run. */
  readonly #batch: OutputBatch<BackendOutput>;

  constructor(deps: EdgeDriverDeps) {
    this.#d = deps;
    this.#batch = new OutputBatch<BackendOutput>(
      GROUP_COMMIT_MS,
      (outputs) => deps.writer.write(outputs),
      (out) =>
        deps.writer.awaited ||
        out.kind === "ref" ||
        (out.kind === "event" && statusAfter(out.event) !== undefined),
    );
  }

  /** Writes what the stream yielded and is still held. */
  flush(): void {
    this.#batch.flush();
  }

  /**
   * Follows the backend's stream in the background. The object stays alive meanwhile through the
   * run's alarm, which fires every WATCHDOG_MS while the run is live (run-alarms.ts) and, should
   * the object have been evicted or restarted all the same, re-attaches through `check()`.
   */
  drive(kind: DriveKind, message?: InputMessage): void {
    if (this.#driving || this.#halted) return;
    this.#driving = true;
    const abort = new AbortController();
    this.#abort = abort;
    void this.#follow(kind, abort.signal, message).finally(() => {
      this.#driving = false;
    });
  }

  /** The watchdog and the poll of an agent without a stream: re-attaches a running run nobody follows. */
  check(): void {
    if (this.#d.writer.run.status === "running" && !this.#driving) this.drive("recover");
  }

  /** Stops following the stream and asks the remote agent to stop; throws when it cannot be told. */
  async halt(): Promise<void> {
    // While the remote agent is being told, which can take seconds, a watchdog alarm must not
    // re-attach the stream and take the agent's own ending (a failure as its process is ended)
    // for the run's.
    this.#halted = true;
    this.#abort?.abort();
    await this.#d.backend.cancel(this.#d.spec());
  }

  async #follow(kind: DriveKind, signal: AbortSignal, message?: InputMessage): Promise<void> {
    const { backend, writer } = this.#d;
    const spec = this.#d.spec();
    const stream =
      kind === "start"
        ? backend.start(spec, signal)
        : kind === "continue"
          ? backend.continue(spec, message!, signal)
          : backend.recover(spec, signal);
    let end: StreamEnd | void;
    try {
      // Read by hand rather than for-await: the stream's return value says whether to poll later.
      for (let next = await stream.next(); ; next = await stream.next()) {
        if (signal.aborted) return;
        if (next.done) {
          end = next.value;
          break;
        }
        this.#batch.push(next.value);
      }
    } catch (e) {
      if (signal.aborted) return;
      this.#batch.flush();
      this.#fail(e instanceof Error ? e.message : String(e));
      return;
    }
    this.#batch.flush();
    if (signal.aborted || writer.run.status !== "running") return;
    if (end?.pollAfterMs !== undefined) {
      await this.#d.checkAt(this.#d.now() + end.pollAfterMs);
      return;
    }
    this.#fail("the agent's stream ended without a final status");
  }

  #fail(message: string): void {
    const { writer } = this.#d;
    writer.append({ type: "run_failed", data: { error: { code: "backend_failed", message } } });
    writer.commit();
  }
}
