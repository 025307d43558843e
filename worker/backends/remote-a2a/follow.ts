// Following one remote A2A task until its turn ends: send (streaming, or send + poll when the
// agent offers no stream), and recovery after a drop — snapshot with tasks/get, then resubscribe
// or poll — with capped, jittered backoff. Event mapping and dedupe live in tracker.ts.
import type { Message, StreamResponse } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { emit, type BackendOutput } from "../backend.ts";
import type { A2aTracker } from "./tracker.ts";

/** Interval of tasks/get polling, used only for agents without streaming (ms). */
export const POLL_MS = 250;
/** Consecutive recovery attempts without progress before the run fails. */
export const MAX_RECOVERY_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 4_000;

/** Delay before recovery attempt `attempt` (1-based): full jitter under a doubling cap (ms). */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

export const failed = (message: string): BackendOutput =>
  emit("run_failed", { error: { code: "backend_failed", message } });

export interface FollowerOptions {
  client: Client;
  streaming: boolean;
  tracker: A2aTracker;
  /** The agent's URL as events may show it (no secrets). */
  agentUrl: string;
  historyLength: number | undefined;
  signal: AbortSignal;
  describe: (error: unknown) => string;
}

/** Drives one backend call against one task; yields events, ref updates and checkpoints. */
export class A2aFollower {
  readonly #o: FollowerOptions;
  #ref: string;
  #checkpoint: string;
  #emitted = 0;

  constructor(options: FollowerOptions) {
    this.#o = options;
    this.#ref = JSON.stringify(this.#currentRef());
    this.#checkpoint = JSON.stringify(options.tracker.checkpoint);
  }

  /** Sends `message`, opening a new turn, and follows the task until the turn ends. */
  async *send(message: Message): AsyncGenerator<BackendOutput> {
    const { client, streaming, tracker, signal } = this.#o;
    // The checkpoint baseline predates the turn, so the first item stores the new turn with it.
    tracker.beginTurn(message.messageId);
    const request = {
      tenant: "",
      message,
      configuration: {
        acceptedOutputModes: [],
        taskPushNotificationConfig: undefined,
        historyLength: this.#o.historyLength,
        // Without a stream, get the task back at once and poll it instead of holding the request.
        returnImmediately: !streaming,
      },
      metadata: undefined,
    };
    try {
      if (streaming) {
        yield* this.#follow((s) => client.sendMessageStream(request, { signal: s }));
      } else {
        const result = await client.sendMessage(request, { signal });
        yield* this.#apply(
          "messageId" in result ? { payload: { $case: "message", value: result } } : { payload: { $case: "task", value: result } },
        );
      }
    } catch (error) {
      if (signal.aborted) return;
      if (!tracker.taskId) {
        yield failed(`remote A2A agent ${this.#o.agentUrl}: sending the message failed: ${this.#o.describe(error)}`);
        return;
      }
      // The task exists, so the stream merely broke: recovery below picks it up.
    }
    if (tracker.ended || signal.aborted) return;
    if (!tracker.taskId) {
      yield failed(`remote A2A agent ${this.#o.agentUrl}: the response ended before the agent created a task`);
      return;
    }
    yield* this.recover();
  }

  /** Re-attaches to the tracker's task and follows it until its turn ends or recovery gives up. */
  async *recover(): AsyncGenerator<BackendOutput> {
    const { client, streaming, tracker, signal } = this.#o;
    const id = tracker.taskId;
    if (!id) {
      yield failed(`remote A2A agent ${this.#o.agentUrl}: the run was interrupted before the agent created a task`);
      return;
    }
    let attempts = 0;
    let lastProblem = "the stream ended before the task's turn did";
    while (!signal.aborted) {
      const before = this.#emitted;
      try {
        // Full history: the tracker needs it to tell which messages are new.
        const task = await client.getTask({ tenant: "", id, historyLength: undefined }, { signal });
        yield* this.#apply({ payload: { $case: "task", value: task } });
        if (tracker.ended) return;
        if (!streaming) {
          attempts = 0;
          await sleep(POLL_MS, signal);
          continue;
        }
        yield* this.#follow((s) => client.resubscribeTask({ tenant: "", id }, { signal: s }));
        if (tracker.ended) return;
      } catch (error) {
        if (signal.aborted) return;
        lastProblem = this.#o.describe(error);
      }
      attempts = this.#emitted > before ? 1 : attempts + 1;
      if (attempts > MAX_RECOVERY_ATTEMPTS) {
        yield failed(
          `remote A2A agent ${this.#o.agentUrl}: lost task ${id} and could not re-attach after ${MAX_RECOVERY_ATTEMPTS} attempts: ${lastProblem}`,
        );
        return;
      }
      await sleep(backoffMs(attempts), signal);
    }
  }

  /** Reads a stream until the turn ends; the stream is aborted when left early. */
  async *#follow(open: (signal: AbortSignal) => AsyncIterable<StreamResponse>): AsyncGenerator<BackendOutput> {
    const local = new AbortController();
    try {
      for await (const item of open(AbortSignal.any([this.#o.signal, local.signal]))) {
        yield* this.#apply(item);
        if (this.#o.tracker.ended) return;
      }
    } finally {
      local.abort();
    }
  }

  /** The item's new events, preceded by a changed ref and followed by a changed checkpoint. */
  *#apply(item: StreamResponse): Generator<BackendOutput> {
    const events = this.#o.tracker.apply(item);
    const ref = this.#currentRef();
    if (JSON.stringify(ref) !== this.#ref) {
      this.#ref = JSON.stringify(ref);
      yield { kind: "ref", ref };
    }
    for (const event of events) yield { kind: "event", event };
    this.#emitted += events.length;
    const state = this.#o.tracker.checkpoint;
    if (JSON.stringify(state) !== this.#checkpoint) {
      this.#checkpoint = JSON.stringify(state);
      yield { kind: "checkpoint", state };
    }
  }

  #currentRef(): Record<string, string> {
    const { tracker } = this.#o;
    return {
      agent_url: this.#o.agentUrl,
      ...(tracker.taskId ? { task_id: tracker.taskId } : {}),
      ...(tracker.contextId ? { context_id: tracker.contextId } : {}),
    };
  }
}
