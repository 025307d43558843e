// The lane requests a tenant has out to runners (lane.land, lane.reclaim): each waits for its
// runner's `lane.reply` by request id, and fails at its timeout or when that runner's link closes.
// Held in memory: a request lives only as long as the call that waits for it.
import { SwitchyardError } from "../../shared/errors.ts";
import {
  LandResultSchema,
  ReclaimResultSchema,
  type LandResult,
  type ReclaimResult,
} from "../../shared/lanes/lane-work.ts";

export type LaneRequestKind = "land" | "reclaim";
type ResultOf<K extends LaneRequestKind> = K extends "land" ? LandResult : ReclaimResult;

const RESULT_SCHEMAS = { land: LandResultSchema, reclaim: ReclaimResultSchema } as const;

interface Pending {
  runner: string;
  kind: LaneRequestKind;
  resolve(result: LandResult | ReclaimResult): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout>;
}

export class LaneRequests {
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Sends a request through `send` (given the new request id; resolves false when the link is
   * gone) and waits for the runner's reply.
   */
  open<K extends LaneRequestKind>(
    runner: string,
    kind: K,
    send: (requestId: string) => Promise<boolean>,
  ): Promise<ResultOf<K>> {
    const requestId = crypto.randomUUID();
    const answer = new Promise<ResultOf<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(
          new SwitchyardError(
            "timeout",
            `runner "${runner}" did not answer lane.${kind} within ${Math.round(this.#timeoutMs / 1000)} s`,
          ),
        );
      }, this.#timeoutMs);
      this.#pending.set(requestId, {
        runner,
        kind,
        resolve: resolve as Pending["resolve"],
        reject,
        timer,
      });
    });
    // Pending before it is sent: the reply can come back before `send` resolves.
    void send(requestId).then(
      (sent) => sent || this.#fail(requestId, offline(runner)),
      (error: unknown) => this.#fail(requestId, error),
    );
    return answer;
  }

  /**
   * Settles a request with its runner's reply. False when no such request is pending for this
   * runner (an unknown or repeated id, or another runner's request): the reply changes nothing.
   */
  reply(runner: string, requestId: string, result: unknown): boolean {
    const pending = this.#pending.get(requestId);
    if (!pending || pending.runner !== runner) return false;
    const parsed = RESULT_SCHEMAS[pending.kind].safeParse(result);
    this.#pending.delete(requestId);
    clearTimeout(pending.timer);
    if (parsed.success) pending.resolve(parsed.data);
    else
      pending.reject(
        new SwitchyardError(
          "internal",
          `runner "${runner}" answered lane.${pending.kind} with another shape`,
        ),
      );
    return true;
  }

  /** The runner's link closed: what it was asked can no longer be answered. */
  dropRunner(runner: string): void {
    for (const [requestId, pending] of this.#pending)
      if (pending.runner === runner) this.#fail(requestId, offline(runner));
  }

  #fail(requestId: string, error: unknown): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    this.#pending.delete(requestId);
    clearTimeout(pending.timer);
    pending.reject(error);
  }
}

export const offline = (runner: string) =>
  new SwitchyardError(
    "runner_unavailable",
    `runner "${runner}" holding the lane is not connected; try again once it reconnects`,
    { field: "lane_id" },
  );
