// Runs A2A tasks as turns of a local agent (runner/agents/): the task's context gives the working
// directory and the agent session to resume; the agent's outputs become A2A task events; the turn's
// structured reply (reply.ts) decides between completed and input-required. A cancel aborts the turn,
// which ends its processes (turn.ts) before the task is marked canceled.
import { randomUUID } from "node:crypto";
import { Role, TaskState, type Message, type Part } from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from "@a2a-js/sdk/server";
import type { BackendOutput, BackendRun } from "../../shared/backends/backend.ts";
import { clip } from "../../shared/backends/error-text.ts";
import type { NewEvent } from "../../shared/runs/events.ts";
import type { InputMessage, Part as InputPart } from "../../shared/runs/messages.ts";
import type { LocalAgent } from "../agents/agent.ts";
import { newTurnMarker } from "../agents/process-reaper.ts";
import { requestedCwd, type ContextTable, type ServedContext } from "./contexts.ts";
import { contractFor, type TurnContract } from "./reply.ts";

/** Events whose text is shown to the caller as it is; the others as a line of JSON, and whole in metadata. */
const TEXT_EVENTS = new Set<NewEvent["type"]>(["agent_message", "reasoning", "message_added"]);
/** Longest progress line sent for an event (a command's output can be long). */
const MAX_PROGRESS_CHARS = 4000;

export class ServedAgentExecutor implements AgentExecutor {
  readonly #agentOf: (marker: string) => LocalAgent;
  readonly #contexts: ContextTable;
  readonly #log: (line: string) => void;
  /** Turns whose processes may still be alive (a follow-up of a task is a turn of its own). */
  readonly #turns = new Set<Turn>();

  constructor(agentOf: (marker: string) => LocalAgent, contexts: ContextTable, log: (line: string) => void) {
    this.#agentOf = agentOf;
    this.#contexts = contexts;
    this.#log = log;
  }

  /**
   * Returns once the task has its final status (the SDK ends the task's event stream then), while
   * the agent's processes may still be exiting: the context's next turn waits for them instead.
   */
  execute = async (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const task = new TaskEvents(ctx, bus);
    const message = ctx.userMessage;
    const claim = await this.#contexts.claim(ctx.contextId, requestedCwd(message.metadata), ctx.taskId);
    if (!claim.ok) {
      this.#log(`task ${ctx.taskId} refused: ${claim.reason}`);
      task.open(TaskState.TASK_STATE_REJECTED, [textPart(claim.reason)]);
      return;
    }
    const context = claim.context;
    let settle!: () => void;
    const turn: Turn = {
      taskId: ctx.taskId,
      abort: new AbortController(),
      ended: false,
      done: new Promise<void>((resolve) => (settle = resolve)),
    };
    this.#turns.add(turn);
    const previous = context.idle;
    context.idle = turn.done;
    this.#log(`task ${ctx.taskId} started (context ${ctx.contextId} in ${context.cwd})`);
    let drained: Promise<void> = Promise.resolve();
    let ending = "ended";
    try {
      task.open(TaskState.TASK_STATE_WORKING);
      await previous;
      if (turn.abort.signal.aborted) return task.status(TaskState.TASK_STATE_CANCELED);
      const contract = contractFor(message.metadata);
      const run = turnRun(ctx, context, message, contract);
      const outputs = this.#agentOf(newTurnMarker()).start(run, turn.abort.signal);
      const relayed = await relay(outputs, { context, task, contract }, () => {
        turn.ended = true;
        this.#contexts.release(context, ctx.taskId);
      });
      drained = relayed.drained;
      ending = turn.ended ? relayed.ending : "canceled";
      // Published here, on the bus the task's stream reads, while execute still holds it.
      if (!turn.ended) task.status(TaskState.TASK_STATE_CANCELED);
    } finally {
      this.#contexts.release(context, ctx.taskId);
      const end = () => {
        this.#turns.delete(turn);
        // The end line comes once every process of the turn is gone, as the connect runner's does.
        this.#log(`task ${ctx.taskId} ${ending}`);
        settle();
      };
      void drained.then(end, end);
    }
  };

  /** Aborts the task's running turn, whose execute then marks the task canceled once its processes are gone. */
  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    const running = [...this.#turns].filter((turn) => turn.taskId === taskId && !turn.ended);
    for (const turn of running) turn.abort.abort();
    await Promise.all(running.map((turn) => turn.done));
    // A task waiting for input has no turn to end.
    if (running.length === 0)
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId: "",
          status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: now() },
          metadata: undefined,
        }),
      );
  };

  /** Aborts every running turn and resolves once the processes of all turns are gone (shutdown). */
  async stopAll(): Promise<void> {
    const turns = [...this.#turns];
    for (const turn of turns) if (!turn.ended) turn.abort.abort();
    await Promise.all(turns.map((turn) => turn.done));
  }
}

interface Turn {
  taskId: string;
  abort: AbortController;
  /** Settles once the turn's outputs are drained, which is once its processes are gone. */
  done: Promise<void>;
  /**
   * The task has its final status: the agent is only exiting (or being ended, turn.ts), and is no
   * longer aborted, since the SDK reports an abort after its stream ended as an uncaught error.
   */
  ended: boolean;
}

/** The run one task's turn is: the context's cwd and session, and what the contract asks for. */
function turnRun(
  ctx: RequestContext,
  context: ServedContext,
  message: Message,
  contract: TurnContract,
): BackendRun {
  return {
    runId: ctx.taskId,
    message: toInputMessage(message),
    profileText: contract.instructions,
    outputSchema: contract.outputSchema,
    config: {},
    sessionRef: Object.keys(context.sessionRef).length ? context.sessionRef : undefined,
    cwd: context.cwd,
    secrets: {},
    ref: {},
  };
}

/**
 * Publishes the turn's outputs as task events up to its final status, just before which `onEnd` is
 * called; returns how it ended and the drain of the rest, which settles once the turn's processes
 * are gone (turn.ts). The agent's last message is held back until something follows it: the one the
 * turn ends with is its JSON reply, whose message the final status carries instead.
 */
async function relay(
  outputs: AsyncIterable<BackendOutput>,
  { context, task, contract }: { context: ServedContext; task: TaskEvents; contract: TurnContract },
  onEnd: () => void,
): Promise<{ ending: string; drained: Promise<void> }> {
  const iterator = outputs[Symbol.asyncIterator]();
  const drain = async () => {
    while (!(await iterator.next()).done);
  };
  let held: string | undefined;
  let usage: Record<string, unknown> | undefined;
  const flush = () => {
    if (held !== undefined) task.status(TaskState.TASK_STATE_WORKING, [textPart(held)]);
    held = undefined;
  };
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    const output = next.value;
    if (output.kind === "ref") Object.assign(context.sessionRef, output.ref);
    if (output.kind !== "event") continue;
    const { type, data } = output.event;
    if (type === "run_started") continue;
    if (type === "usage") {
      usage = data;
      continue;
    }
    if (type === "run_completed") {
      const final = typeof data.final_response === "string" ? data.final_response : "";
      if (held !== final) flush();
      const reply = contract.replyOf(data.structured_output, final);
      const state =
        reply.state === "input_required"
          ? TaskState.TASK_STATE_INPUT_REQUIRED
          : TaskState.TASK_STATE_COMPLETED;
      onEnd();
      const parts = [textPart(reply.text), ...(reply.data === undefined ? [] : [dataPart(reply.data)])];
      task.status(state, parts, usage && { usage });
      return { ending: reply.state, drained: drain() };
    }
    if (type === "run_failed") {
      flush();
      const error = data.error as { code?: string; message?: string } | undefined;
      onEnd();
      task.status(
        TaskState.TASK_STATE_FAILED,
        [textPart(`${error?.code}: ${error?.message}`)],
        usage && { usage },
      );
      return { ending: `failed (${error?.code})`, drained: drain() };
    }
    flush();
    if (type === "agent_message") held = String(data.text ?? "");
    else if (TEXT_EVENTS.has(type))
      task.status(TaskState.TASK_STATE_WORKING, [textPart(String(data.text ?? ""))]);
    // Not a data part: a client such as Switchyard's remote_a2a takes the last data part it saw for
    // the task's structured output.
    else
      task.status(
        TaskState.TASK_STATE_WORKING,
        [textPart(clip(`${type} ${JSON.stringify(data)}`, MAX_PROGRESS_CHARS))],
        {
          event: { type, data },
        },
      );
  }
  // Aborted (a cancel, shutdown): the agent's processes are gone already.
  return { ending: "ended", drained: Promise.resolve() };
}

/** Publishes one task's events on its bus. */
class TaskEvents {
  readonly #ctx: RequestContext;
  readonly #bus: ExecutionEventBus;

  constructor(ctx: RequestContext, bus: ExecutionEventBus) {
    this.#ctx = ctx;
    this.#bus = bus;
  }

  /** The first event of every execution, follow-ups included: the task itself. */
  open(state: TaskState, parts?: Part[]): void {
    const { taskId, contextId, task } = this.#ctx;
    this.#bus.publish(
      AgentEvent.task({
        id: taskId,
        contextId,
        status: { state, message: parts ? this.#message(parts) : undefined, timestamp: now() },
        artifacts: task?.artifacts ?? [],
        history: task?.history ?? [],
        metadata: {},
      }),
    );
  }

  status(state: TaskState, parts?: Part[], metadata?: Record<string, unknown>): void {
    const { taskId, contextId } = this.#ctx;
    const message = parts && this.#message(parts, metadata);
    this.#bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: { state, message, timestamp: now() },
        metadata: undefined,
      }),
    );
  }

  #message(parts: Part[], metadata?: Record<string, unknown>): Message {
    return {
      messageId: randomUUID(),
      contextId: this.#ctx.contextId,
      taskId: this.#ctx.taskId,
      role: Role.ROLE_AGENT,
      parts,
      metadata,
      extensions: [],
      referenceTaskIds: [],
    };
  }
}

const now = () => new Date().toISOString();

const textPart = (value: string): Part => ({
  content: { $case: "text", value },
  metadata: undefined,
  filename: "",
  mediaType: "text/plain",
});

const dataPart = (value: unknown): Part => ({
  content: { $case: "data", value },
  metadata: undefined,
  filename: "",
  mediaType: "application/json",
});

/** The A2A message as the agent's prompt: text and data as they are, files by name or URL. */
function toInputMessage(message: Message): InputMessage {
  const parts = message.parts.flatMap((part): InputPart[] => {
    const content = part.content;
    switch (content?.$case) {
      case "text":
        return [{ kind: "text", text: content.value }];
      case "data":
        return [{ kind: "data", data: content.value as Record<string, unknown> }];
      case "url":
        return [{ kind: "text", text: `[file ${part.filename || content.value}: ${content.value}]` }];
      case "raw":
        return [
          { kind: "text", text: `[file ${part.filename || "attachment"}, ${content.value.length} bytes]` },
        ];
      default:
        return [];
    }
  });
  return { role: "user", parts: parts.length ? parts : [{ kind: "text", text: "" }] };
}
