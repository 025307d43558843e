// A runner's link, as its RunnerObject runs it: the name check and who holds the name, the relay
// of outputs straight to the runs' objects with their acknowledgements, and the frame authority
// (RunAuthority). What the link means for placement — hello, refusals, lane replies, a link gone —
// goes on to the tenant's hub at the low rate these come.
import type { RunRpc } from "../objects/stubs.ts";
import {
  CLOSE_CODES,
  HelloVersionSchema,
  PROTOCOL_VERSION,
  outputsOf,
  type RunOutputs,
  type RunnerFrame,
  type WorkerFrame,
} from "../../shared/protocol/frames.ts";
import type { RunAuthority, CurrentLink } from "./run-authority.ts";

type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
type Frame<T extends RunnerFrame["type"]> = Extract<RunnerFrame, { type: T }>;

/** What a hello tells the tenant: the runner as placement sees it, and the runs it still holds. */
export type LinkHello = Omit<Frame<"runner.hello">, "type" | "protocol" | "name" | "replace">;

/** The tenant's side, told what only it can decide (TenantObject's runner* RPC methods). */
export interface TenantSide {
  hello(connectionId: string, hello: LinkHello): Promise<void>;
  refused(frame: Frame<"run.refused">): Promise<void>;
  /** False when no such request is pending for this runner. */
  laneReply(frame: Frame<"lane.reply">): Promise<boolean>;
  gone(connectionId: string): Promise<void>;
}

export interface RunnerLinkDeps {
  tenant: string;
  /** The runner this object serves: the name the handshake gave, which the hello must repeat. */
  runner: string;
  authority: RunAuthority;
  hub: TenantSide;
  send(connectionId: string, frame: WorkerFrame): boolean;
  close(connectionId: string, code: CloseCode, reason: string): void;
  /**
   * When the connection last answered a heartbeat automatically (ms since epoch; 0 if never), or
   * null when it is not an open socket of this object (closed, or lost with a restart).
   */
  lastHeard(connectionId: string): number | null;
  run(runId: string): Promise<RunRpc>;
  now(): number;
  heartbeatMs: number;
  graceMs: number;
}

/** Why a hello of another protocol version is refused, or undefined when `raw` is none. */
export function otherProtocol(raw: unknown): string | undefined {
  const hello = HelloVersionSchema.safeParse(raw);
  if (!hello.success || hello.data.protocol === PROTOCOL_VERSION) return undefined;
  return `runner protocol ${hello.data.protocol}; this Switchyard speaks ${PROTOCOL_VERSION}`;
}

export class RunnerLink {
  readonly deps: RunnerLinkDeps;

  constructor(deps: RunnerLinkDeps) {
    this.deps = deps;
  }

  async onFrame(connectionId: string, frame: RunnerFrame): Promise<void> {
    if (frame.type === "runner.hello") return this.#hello(connectionId, frame);
    if (frame.type === "ping") {
      // Normally answered by the automatic response without waking us; answer it anyway.
      this.deps.send(connectionId, { type: "pong" });
      return;
    }
    if (!this.#fromCurrent(connectionId)) return;
    switch (frame.type) {
      case "run.outputs":
      case "runs.outputs": {
        // Acknowledged in kind: a run.ack for a run.outputs, one runs.ack for all runs of a runs.outputs.
        const acks = await Promise.all(outputsOf(frame).map((run) => this.#outputs(run)));
        this.deps.send(
          connectionId,
          frame.type === "run.outputs" ? { type: "run.ack", ...acks[0]! } : { type: "runs.ack", acks },
        );
        return;
      }
      case "run.refused":
        // Only the holder's refusal counts: anyone else's would fail the run or, requeued, hand it
        // (and its secrets) to whichever runner is picked next. The tenant checks again.
        if (!this.deps.authority.holds(frame.run_id)) return this.#ignore(frame.run_id, frame.type);
        return this.deps.hub.refused(frame);
      case "lane.reply":
        if (!(await this.deps.hub.laneReply(frame)))
          console.warn("lane.reply ignored: no such request pending for its sender", {
            runner: this.deps.runner,
            request_id: frame.request_id,
            ignored: this.deps.authority.countIgnored(),
          });
        return;
    }
  }

  async #hello(connectionId: string, hello: Frame<"runner.hello">): Promise<void> {
    const { authority, runner } = this.deps;
    if (this.refuseOtherProtocol(connectionId, hello)) return;
    if (hello.name !== runner) {
      this.deps.close(
        connectionId,
        CLOSE_CODES.wrong_name,
        `the hello names runner "${hello.name.slice(0, 40)}"; this link was opened for "${runner.slice(0, 40)}"`,
      );
      return;
    }
    const previous = authority.current();
    if (previous && previous.connection_id !== connectionId) {
      // A live holder keeps its name, unless the newcomer is the same runner process (its old link
      // is dead though not yet noticed here: a process has one link at a time) or asks to replace.
      const heardMs = this.#heardMs(previous);
      if (heardMs !== null && previous.instance !== hello.instance && !hello.replace) {
        this.deps.close(
          connectionId,
          CLOSE_CODES.name_in_use,
          `runner "${runner}" is connected already (heard ${Math.round((this.deps.now() - heardMs) / 1000)} s ago)`,
        );
        return;
      }
      this.deps.close(
        previous.connection_id,
        CLOSE_CODES.replaced,
        `a new connection took the name "${runner}"`,
      );
    }
    authority.setCurrent({ connection_id: connectionId, instance: hello.instance, seen_ms: this.deps.now() });
    this.deps.send(connectionId, {
      type: "runner.welcome",
      tenant: this.deps.tenant,
      heartbeat_ms: this.deps.heartbeatMs,
    });
    const { type: _t, protocol: _p, name: _n, replace: _r, ...link } = hello;
    await this.deps.hub.hello(connectionId, link);
  }

  /** Closes a hello of another protocol version, parsed or not (its shape may differ); true if it did. */
  refuseOtherProtocol(connectionId: string, raw: unknown): boolean {
    const reason = otherProtocol(raw);
    if (reason !== undefined) this.deps.close(connectionId, CLOSE_CODES.protocol_mismatch, reason);
    return reason !== undefined;
  }

  /** Whether the frame comes from the link holding the name; any other link is closed. */
  #fromCurrent(connectionId: string): boolean {
    if (this.deps.authority.current()?.connection_id !== connectionId) {
      this.deps.close(connectionId, CLOSE_CODES.bad_frame, "send runner.hello first");
      return false;
    }
    this.deps.authority.touch(this.deps.now());
    return true;
  }

  /** Stores one run's share of an outputs frame if the runner speaks for the run; the run's ack. */
  async #outputs(frame: RunOutputs): Promise<{ run_id: string; source_seq: number }> {
    // The run's last holder may still deliver what it had queued when the run ended here (the
    // usage of a cancelled turn): the run object stores a few such late events and changes nothing.
    // The run's object checks the sender again against the runner it was dispatched to.
    const acked = this.deps.authority.speaksFor(frame.run_id, this.deps.now(), this.deps.graceMs)
      ? await (await this.deps.run(frame.run_id)).ingest(frame.items, this.deps.runner)
      : null;
    if (acked !== null) return { run_id: frame.run_id, source_seq: acked };
    this.#ignore(frame.run_id, "run.outputs");
    // Acknowledged all the same, so a runner that lost the run drops these outputs instead of
    // resending them on every reconnect. The ack tells nothing: it is the sender's own number.
    return { run_id: frame.run_id, source_seq: Math.max(...frame.items.map((item) => item.source_seq)) };
  }

  /**
   * A frame naming a run its sender does not hold changes nothing; it is counted and logged
   * without its contents. Not a protocol error that closes the link: an honest runner sends such
   * frames in ordinary races (a run it held ended long ago), and closing would make it resend
   * everything of its other runs, while a rogue one gains nothing from an ignored frame.
   */
  #ignore(runId: string, frame: string): void {
    const ignored = this.deps.authority.countIgnored();
    console.warn("runner frame ignored: the run is not held by its sender", {
      run_id: runId,
      runner: this.deps.runner,
      frame,
      ignored,
    });
  }

  /** A socket closed: if it held the name, the tenant learns the runner is gone. */
  async onClose(connectionId: string): Promise<void> {
    if (this.deps.authority.current()?.connection_id !== connectionId) return;
    this.deps.authority.clearCurrent();
    await this.deps.hub.gone(connectionId);
  }

  /**
   * When the current link was last heard from (the later of its last frame and its last automatic
   * pong), or null once that link is not live: not an open socket here, or silent for three
   * heartbeats — the runner pings every heartbeat, so such a link is dead, merely not closed yet.
   */
  #heardMs(link: CurrentLink): number | null {
    const pong = this.deps.lastHeard(link.connection_id);
    if (pong === null) return null;
    const heard = Math.max(link.seen_ms, pong);
    return heard >= this.deps.now() - 3 * this.deps.heartbeatMs ? heard : null;
  }

  /** Whether `connectionId` is the link holding the name, and live. */
  isLive(connectionId: string): boolean {
    const link = this.deps.authority.current();
    return link?.connection_id === connectionId && this.#heardMs(link) !== null;
  }

  /** Periodic: closes the current link once it is no longer live, so it does not hold runs forever. */
  async sweepStale(): Promise<void> {
    const link = this.deps.authority.current();
    if (!link || this.#heardMs(link) !== null) return;
    this.deps.close(link.connection_id, CLOSE_CODES.stale, "no heartbeat for three intervals");
    await this.onClose(link.connection_id);
  }

  /** Whether a link holds the name (the periodic sweep is needed only then). */
  get connected(): boolean {
    return this.deps.authority.current() !== undefined;
  }

  /**
   * Sends a frame from the tenant on `connectionId` if that link still holds the name; false when
   * it does not. A dispatch makes the run this runner's first, so its first outputs already land.
   */
  deliver(connectionId: string, frame: WorkerFrame): boolean {
    if (this.deps.authority.current()?.connection_id !== connectionId) return false;
    if (frame.type === "run.dispatch") this.deps.authority.hold(frame.run_id);
    const sent = this.deps.send(connectionId, frame);
    if (!sent && frame.type === "run.dispatch") this.release(frame.run_id, false);
    return sent;
  }

  /** The run is no longer this runner's: ended (late outputs land for the grace period) or taken back. */
  release(runId: string, ended: boolean): void {
    const now = this.deps.now();
    this.deps.authority.release(runId, ended ? now : null, now, this.deps.graceMs);
  }
}
