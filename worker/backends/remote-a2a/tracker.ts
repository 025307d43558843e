// Maps what an A2A client yields (task snapshots, status and artifact updates, bare messages) to
// Switchyard events exactly once — across dropped streams, resubscribes and object restarts — by
// keeping a compact checkpoint of what was already emitted. Pure: no I/O, no clock.
import {
  TaskState,
  type Artifact,
  type Message,
  type Part,
  type StreamResponse,
  type Task,
} from "@a2a-js/sdk";
import type { TaskArtifactUpdateEvent, TaskStatus, TaskStatusUpdateEvent } from "@a2a-js/sdk";
import { z } from "zod";
import type { NewEvent } from "../../../shared/runs/events.ts";
import { dataOf, fromA2aParts, isAgentMessage, textOf, usageFrom } from "./parts.ts";

/** How many emitted agent-message keys the checkpoint remembers (oldest are forgotten first). */
const SEEN_CAP = 256;

/**
 * What was already emitted. `turn` is the id of the user message that opened the current turn:
 * agent messages before it in a task's history belong to earlier turns. `settled` is the key of
 * the status that ended the turn; `stale` the one that ended the previous turn, which a server
 * may still report right after a follow-up and which must not end the new turn.
 */
export const A2aCheckpointSchema = z.object({
  v: z.literal(1),
  started: z.boolean(),
  turn: z.string().optional(),
  seen: z.array(z.string()),
  artifacts: z.record(z.string(), z.number().int().nonnegative()),
  settled: z.string().optional(),
  stale: z.string().optional(),
});
export type A2aCheckpoint = z.infer<typeof A2aCheckpointSchema>;

/** States after which the agent does nothing more until it is sent a message. */
const ENDS_TURN: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
  TaskState.TASK_STATE_INPUT_REQUIRED,
  TaskState.TASK_STATE_AUTH_REQUIRED,
]);

/** FNV-1a, 32 bit: short stable keys for content without ids. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

const partKey = (p: Part): string => hash(JSON.stringify(p.content ?? null));
const messageKey = (m: Message): string =>
  m.messageId ? m.messageId : `h:${hash(m.parts.map(partKey).join())}`;
const statusKey = (s: TaskStatus): string => `${s.state}|${s.message?.messageId ?? ""}|${s.timestamp ?? ""}`;
const event = (type: NewEvent["type"], data: NewEvent["data"]): NewEvent => ({ type, data });

/** Folds A2A stream items into events; one tracker per backend call, seeded from the checkpoint. */
export class A2aTracker {
  #cp: A2aCheckpoint;
  /** Bumped with every change to #cp, so a follower copies the checkpoint only when it changed. */
  #revision = 0;
  #taskId: string | undefined;
  #contextId: string | undefined;
  #ended = false;
  #lastText: string | undefined;
  /**
   * The structured output: the data part of the agent's latest message — a later message without one
   * clears it, so progress sent as data is not taken for the answer — else of its latest artifact.
   */
  #messageData: Record<string, unknown> | undefined;
  #artifactData: Record<string, unknown> | undefined;
  /**
   * Part keys per artifact of the last task snapshot, until the first new item: a resubscribe
   * may replay an update the snapshot already contained (A2A gives no sequence numbers).
   */
  #overlap: Map<string, string[]> | undefined;

  constructor(checkpoint?: unknown) {
    const parsed = A2aCheckpointSchema.safeParse(checkpoint);
    this.#cp = parsed.success
      ? structuredClone(parsed.data)
      : { v: 1, started: false, seen: [], artifacts: {} };
  }

  get taskId(): string | undefined {
    return this.#taskId;
  }

  get contextId(): string | undefined {
    return this.#contextId;
  }

  /** True once the current turn has ended: terminal, input/auth required, cancelled, or a bare reply. */
  get ended(): boolean {
    return this.#ended;
  }

  /** A copy (taken per stream item, so a shallow one: the fields are strings, numbers and one list). */
  get checkpoint(): A2aCheckpoint {
    return { ...this.#cp, seen: [...this.#cp.seen], artifacts: { ...this.#cp.artifacts } };
  }

  get revision(): number {
    return this.#revision;
  }

  noteIds(taskId: string | undefined, contextId: string | undefined): void {
    if (taskId) this.#taskId = taskId;
    if (contextId) this.#contextId = contextId;
  }

  /** The user message `messageId` was sent: a new turn begins. */
  beginTurn(messageId: string): void {
    this.#cp.turn = messageId;
    this.#cp.stale = this.#cp.settled;
    this.#cp.settled = undefined;
    this.#revision += 1;
    this.#ended = false;
    this.#lastText = undefined;
    this.#messageData = undefined;
    this.#artifactData = undefined;
  }

  /** The events `item` adds to what was already emitted (none when it repeats known content). */
  apply(item: StreamResponse): NewEvent[] {
    switch (item.payload?.$case) {
      case "task":
        return this.#onTask(item.payload.value);
      case "statusUpdate":
        return this.#onStatusUpdate(item.payload.value);
      case "artifactUpdate":
        return this.#onArtifactUpdate(item.payload.value);
      case "message":
        return this.#onMessage(item.payload.value);
      default:
        return [];
    }
  }

  #started(): NewEvent[] {
    if (this.#cp.started) return [];
    this.#cp.started = true;
    this.#revision += 1;
    const ids = {
      ...(this.#taskId ? { task_id: this.#taskId } : {}),
      ...(this.#contextId ? { context_id: this.#contextId } : {}),
    };
    return [event("run_started", ids)];
  }

  /** A snapshot: emits what it holds beyond the checkpoint — messages, then artifacts, then status. */
  #onTask(task: Task): NewEvent[] {
    this.noteIds(task.id, task.contextId);
    const events = this.#started();
    const history = task.history ?? [];
    const current = history.slice(history.findIndex((m) => m.messageId === this.#cp.turn) + 1);
    const statusMessage = task.status?.message;
    if (statusMessage && !current.some((m) => messageKey(m) === messageKey(statusMessage)))
      current.push(statusMessage);
    for (const m of current) if (isAgentMessage(m)) events.push(...this.#onAgentMessage(m));
    for (const a of task.artifacts ?? []) events.push(...this.#onArtifactSnapshot(a));
    events.push(...this.#onStatus(task.status, task.metadata));
    this.#overlap = new Map((task.artifacts ?? []).map((a) => [a.artifactId, a.parts.map(partKey)]));
    return events;
  }

  #onStatusUpdate(update: TaskStatusUpdateEvent): NewEvent[] {
    this.noteIds(update.taskId, update.contextId);
    const events = this.#started();
    const message = update.status?.message;
    if (message && isAgentMessage(message)) events.push(...this.#onAgentMessage(message));
    events.push(...this.#onStatus(update.status, update.metadata));
    return events;
  }

  #onArtifactUpdate(update: TaskArtifactUpdateEvent): NewEvent[] {
    this.noteIds(update.taskId, update.contextId);
    const events = this.#started();
    const artifact = update.artifact;
    if (!artifact || this.#repeatsSnapshot(artifact, update.append)) return events;
    this.#overlap = undefined;
    const before = this.#cp.artifacts[artifact.artifactId] ?? 0;
    this.#cp.artifacts[artifact.artifactId] = update.append
      ? before + artifact.parts.length
      : artifact.parts.length;
    this.#revision += 1;
    events.push(this.#artifactEvent(artifact, artifact.parts, update.append, update.lastChunk));
    return events;
  }

  /** A bare message answers the request by itself; one that belongs to a task is just a message. */
  #onMessage(message: Message): NewEvent[] {
    this.noteIds(message.taskId, message.contextId);
    if (!isAgentMessage(message)) return [];
    const events = [...this.#started(), ...this.#onAgentMessage(message)];
    if (message.taskId) return events;
    this.#ended = true;
    const key = `message|${messageKey(message)}`;
    if (key === this.#cp.settled) return events;
    this.#cp.settled = key;
    this.#revision += 1;
    const usage = usageFrom(message.metadata);
    if (usage) events.push(event("usage", usage));
    events.push(event("run_completed", this.#result()));
    return events;
  }

  #onAgentMessage(message: Message): NewEvent[] {
    const text = textOf(message.parts);
    const data = dataOf(message.parts);
    if (text !== undefined) this.#lastText = text;
    this.#messageData = data;
    const key = messageKey(message);
    if (this.#cp.seen.includes(key)) return [];
    this.#cp.seen.push(key);
    if (this.#cp.seen.length > SEEN_CAP) this.#cp.seen.shift();
    this.#revision += 1;
    this.#overlap = undefined;
    return [event("agent_message", { text: text ?? "", ...this.#messageDetails(message) })];
  }

  #onArtifactSnapshot(artifact: Artifact): NewEvent[] {
    // Only growth is visible in a snapshot: an artifact replaced by as many parts or fewer is
    // indistinguishable from one already emitted.
    const emitted = this.#cp.artifacts[artifact.artifactId] ?? 0;
    if (artifact.parts.length <= emitted) return [];
    this.#cp.artifacts[artifact.artifactId] = artifact.parts.length;
    this.#revision += 1;
    return [this.#artifactEvent(artifact, artifact.parts.slice(emitted), emitted > 0, undefined)];
  }

  /**
   * Whether the first update of an artifact after a snapshot is one the snapshot already holds
   * (the usual resubscribe race replays at most that one; a longer replay would repeat).
   */
  #repeatsSnapshot(artifact: Artifact, append: boolean): boolean {
    const known = this.#overlap?.get(artifact.artifactId);
    this.#overlap?.delete(artifact.artifactId);
    if (!known) return false;
    const incoming = artifact.parts.map(partKey);
    const compared = append ? known.slice(-incoming.length) : known;
    return incoming.length > 0 && compared.join() === incoming.join();
  }

  #artifactEvent(
    artifact: Artifact,
    parts: readonly Part[],
    append: boolean,
    lastChunk: boolean | undefined,
  ): NewEvent {
    const text = textOf(parts);
    const data = dataOf(parts);
    if (data) this.#artifactData = data;
    if (text !== undefined && this.#lastText === undefined) this.#lastText = text;
    return event("artifact_added", {
      artifact_id: artifact.artifactId,
      ...(artifact.name ? { name: artifact.name } : {}),
      ...(text !== undefined ? { text } : {}),
      parts: fromA2aParts(parts),
      append,
      ...(lastChunk !== undefined ? { last_chunk: lastChunk } : {}),
    });
  }

  /**
   * A status that ends the turn maps to its event, once. `canceled` maps to none: the run's object
   * records cancellation itself (backend.ts), so the turn just ends.
   */
  #onStatus(status: TaskStatus | undefined, metadata: Record<string, unknown> | undefined): NewEvent[] {
    if (!status || !ENDS_TURN.has(status.state)) return [];
    const key = statusKey(status);
    if (key === this.#cp.stale) return [];
    this.#ended = true;
    if (key === this.#cp.settled) return [];
    this.#cp.settled = key;
    this.#revision += 1;
    this.#overlap = undefined;
    const events: NewEvent[] = [];
    const usage = usageFrom(status.message?.metadata) ?? usageFrom(metadata);
    if (usage) events.push(event("usage", usage));
    const text = status.message ? textOf(status.message.parts) : undefined;
    const details = status.message ? this.#messageDetails(status.message) : {};
    switch (status.state) {
      case TaskState.TASK_STATE_COMPLETED:
        events.push(event("run_completed", this.#result()));
        break;
      case TaskState.TASK_STATE_FAILED:
        events.push(
          event("run_failed", {
            error: {
              code: "backend_failed",
              message: text ?? "the remote agent reported that the task failed",
            },
          }),
        );
        break;
      case TaskState.TASK_STATE_REJECTED:
        events.push(event("rejected", { reason: text ?? "the remote agent rejected the task" }));
        break;
      case TaskState.TASK_STATE_INPUT_REQUIRED:
        events.push(event("input_required", { message: text ?? "", ...details }));
        break;
      case TaskState.TASK_STATE_AUTH_REQUIRED:
        events.push(event("auth_required", { message: text ?? "", ...details }));
        break;
    }
    return events;
  }

  #messageDetails(message: Message): Record<string, unknown> {
    const parts = fromA2aParts(message.parts);
    return {
      ...(message.messageId ? { message_id: message.messageId } : {}),
      ...(parts.some((p) => p.kind !== "text") ? { parts } : {}),
    };
  }

  #result(): Record<string, unknown> {
    const structured = this.#messageData ?? this.#artifactData;
    return {
      ...(this.#lastText !== undefined ? { final_response: this.#lastText } : {}),
      ...(structured !== undefined ? { structured_output: structured } : {}),
    };
  }
}
