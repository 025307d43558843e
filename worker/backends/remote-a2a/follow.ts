// Following one remote A2A task until its turn ends: send (streaming, or send + poll when the
// agent offers no stream), and recovery after a drop — snapshot with tasks/get, then resubscribe
// or poll — with capped, jittered backoff. Event mapping and dedupe live in tracker.ts.
import type { Message, StreamResponse } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import {
  A2A_ERROR_CODE,
  isJsonRpcError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from "@a2a-js/sdk/errors";
import { runFailed, type BackendOutput, type StreamEnd } from "../../../shared/backends/backend.ts";
import { agentRetryMs, sleep } from "./backoff.ts";
import type { A2aTracker } from "./tracker.ts";

/** Interval of tasks/get polling, used only for agents without streaming (ms). */
export const POLL_MS = 250;
/** Consecutive attempts without progress before recovery gives up (also used for reconnecting). */
export const MAX_RECOVERY_ATTEMPTS = 5;

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

/** True when the agent does not offer `tasks/resubscribe` after all. */
const isUnsupported = (error: unknown): boolean =>
  error instanceof UnsupportedOperationError ||
  (isJsonRpcError(error) && error.envelopeCode === A2A_ERROR_CODE.METHOD_NOT_FOUND);

/** Drives one backend call against one task; yields events, ref updates and checkpoints. */
export class A2aFollower {
  readonly #o: FollowerOptions;
  #ref: string;
  /** The tracker's revision last yielded as a checkpoint. */
  #checkpointRevision: number;
  /** Stream items and events seen by this call, to tell progress from silence. */
  #items = 0;
  #emitted = 0;

  constructor(options: FollowerOptions) {
    this.#o = options;
    this.#ref = JSON.stringify(this.#currentRef());
    this.#checkpointRevision = options.tracker.revision;
  }

  /** Sends `message`, opening a new turn, and follows the task until the turn ends. */
  async *send(message: Message): AsyncGenerator<BackendOutput, StreamEnd | void> {
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
          "messageId" in result
            ? { payload: { $case: "message", value: result } }
            : { payload: { $case: "task", value: result } },
        );
      }
    } catch (error) {
      if (signal.aborted) return;
      // Refused before any answer (or lost before one): the agent may never have taken the message.
      if (this.#items === 0 || !tracker.taskId) {
        yield runFailed(
          "backend_failed",
          `remote A2A agent ${this.#o.agentUrl}: sending the message failed: ${this.#o.describe(error)}`,
        );
        return;
      }
      // The agent answered and the task exists, so the stream merely broke: recovery picks it up.
    }
    if (tracker.ended || signal.aborted) return;
    if (!tracker.taskId) {
      yield runFailed(
        "backend_failed",
        `remote A2A agent ${this.#o.agentUrl}: the response ended before the agent created a task`,
      );
      return;
    }
    return yield* this.recover();
  }

  /** Re-attaches to the tracker's task and follows it until its turn ends or recovery gives up. */
  async *recover(): AsyncGenerator<BackendOutput, StreamEnd | void> {
    const { client, streaming, tracker, signal } = this.#o;
    const id = tracker.taskId;
    if (!id) {
      yield runFailed(
        "backend_failed",
        `remote A2A agent ${this.#o.agentUrl}: the run was interrupted before the agent created a task`,
      );
      return;
    }
    let poll = !streaming;
    let attempts = 0;
    let lastProblem = "the stream ended before the task's turn did";
    while (!signal.aborted) {
      const before = this.#emitted;
      let resubscribing = false;
      try {
        // Full history: the tracker needs it to tell which messages are new.
        const task = await client.getTask({ tenant: "", id, historyLength: undefined }, { signal });
        yield* this.#apply({ payload: { $case: "task", value: task } });
        if (tracker.ended) return;
        // An agent without streaming is asked again on an alarm of the run's object.
        if (poll) return { pollAfterMs: POLL_MS };
        resubscribing = true;
        yield* this.#follow((s) => client.resubscribeTask({ tenant: "", id }, { signal: s }));
        if (tracker.ended) return;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof TaskNotFoundError) {
          yield runFailed(
            "backend_failed",
            `remote A2A agent ${this.#o.agentUrl}: the agent no longer knows task ${id}`,
          );
          return;
        }
        // A streaming agent without resubscribe (or a task that just finished): poll instead.
        if (resubscribing && isUnsupported(error)) poll = true;
        lastProblem = this.#o.describe(error);
      }
      attempts = this.#emitted > before ? 1 : attempts + 1;
      if (attempts > MAX_RECOVERY_ATTEMPTS) {
        yield runFailed(
          "backend_failed",
          `remote A2A agent ${this.#o.agentUrl}: lost task ${id} and could not re-attach after ${MAX_RECOVERY_ATTEMPTS} attempts: ${lastProblem}`,
        );
        return;
      }
      await sleep(agentRetryMs(attempts), signal);
    }
  }

  /** Reads a stream until the turn ends; the stream is aborted when left early. */
  async *#follow(
    open: (signal: AbortSignal) => AsyncIterable<StreamResponse>,
  ): AsyncGenerator<BackendOutput> {
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
    this.#items += 1;
    const events = this.#o.tracker.apply(item);
    const ref = this.#currentRef();
    if (JSON.stringify(ref) !== this.#ref) {
      this.#ref = JSON.stringify(ref);
      yield { kind: "ref", ref };
    }
    for (const event of events) yield { kind: "event", event };
    this.#emitted += events.length;
    const { tracker } = this.#o;
    if (tracker.revision !== this.#checkpointRevision) {
      this.#checkpointRevision = tracker.revision;
      yield { kind: "checkpoint", state: tracker.checkpoint };
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
