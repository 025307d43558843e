// The 2026-07-28 Tasks extension over runs. A client declaring the extension that calls spawn_run
// gets a task whose id is the run id: the run record, stored before the answer is sent, is the
// task. tasks/get reads the run (get_run), tasks/update answers a run waiting for input
// (continue_run), tasks/cancel cancels it (cancel_run). poll_events stays the path for every client.
import { ProtocolError, ProtocolErrorCode, type CallToolResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import { SwitchyardError, badRequest } from "../../shared/errors.ts";
import type { RunRecord } from "../runs/run-record.ts";
import { isAwaitingInput, type RunStatus } from "../../shared/runs/status.ts";
import { openRun } from "./runs.ts";
import type { ToolContext } from "./tool.ts";
import { toToolError, toToolResult } from "./tool-result.ts";
import { SpawnRunOutputSchema } from "./tools/spawn-run.ts";

export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** How often a client should ask again; runs change on the scale of seconds. */
const POLL_INTERVAL_MS = 2_000;

/** The one input a waiting run takes: the follow-up prompt, asked for as an elicitation form. */
const INPUT_KEY = "continue_run";

type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

const TASK_STATUS: Record<RunStatus, TaskStatus> = {
  queued: "working",
  running: "working",
  input_required: "input_required",
  auth_required: "input_required",
  completed: "completed",
  failed: "failed",
  rejected: "failed",
  cancelled: "cancelled",
};

/** Whether a request's `_meta` envelope declares the Tasks extension among the client's capabilities. */
export function declaresTasks(envelope: object | undefined): boolean {
  const capabilities = (envelope as Record<string, any> | undefined)?.[
    "io.modelcontextprotocol/clientCapabilities"
  ];
  const extensions = capabilities?.extensions;
  return typeof extensions === "object" && extensions !== null && TASKS_EXTENSION in extensions;
}

function taskOf(run: RunRecord) {
  return {
    taskId: run.run_id,
    status: TASK_STATUS[run.status],
    ...(run.status_reason ? { statusMessage: run.status_reason } : {}),
    createdAt: run.created_at,
    lastUpdatedAt: run.updated_at,
    ttlMs: null, // runs are kept; a task lives as long as its run
    pollIntervalMs: POLL_INTERVAL_MS,
  };
}

/** spawn_run's answer as a task: `resultType: "task"` in place of the finished result. */
export async function toCreateTaskResult(runId: string, ctx: ToolContext) {
  const { record } = await openRun(ctx, { run_id: runId });
  return { resultType: "task" as const, ...taskOf(record) };
}

/** tasks/get: the run as a detailed task; a completed one carries spawn_run's result. */
export async function getTask(taskId: string, ctx: ToolContext) {
  const { record } = await openRun(ctx, { run_id: taskId }, "taskId");
  const task = taskOf(record);
  switch (task.status) {
    case "input_required":
      return {
        ...task,
        inputRequests: {
          [INPUT_KEY]: {
            method: "elicitation/create",
            params: {
              mode: "form",
              message: record.status_reason ?? "The run waits for input.",
              requestedSchema: {
                type: "object",
                properties: { prompt: { type: "string", description: "The follow-up sent to the run." } },
                required: ["prompt"],
              },
            },
          },
        },
      };
    case "completed":
      return { ...task, result: toToolResult(SpawnRunOutputSchema.parse(record)) satisfies CallToolResult };
    case "failed":
      return {
        ...task,
        error: { code: -32603, message: record.error?.message ?? record.status, data: record.error },
      };
    default:
      return task;
  }
}

export const TaskIdParamsSchema = z.object({ taskId: z.string().min(1).max(64) }).loose();

/** tasks/update's answers (the SDK hands them over apart from the params, as `inputResponses`). */
const InputResponsesSchema = z.record(
  z.string(),
  z
    .object({
      action: z.enum(["accept", "decline", "cancel"]),
      content: z.record(z.string(), z.unknown()).optional(),
    })
    .loose(),
);

/**
 * Refuses tasks/update unless the run waits for input: continue_run on a finished run would start
 * a new run, which answering a task must never do.
 */
export async function assertAwaitingInput(taskId: string, ctx: ToolContext): Promise<void> {
  const { record } = await openRun(ctx, { run_id: taskId }, "taskId");
  if (!isAwaitingInput(record.status))
    throw new SwitchyardError(
      "conflict",
      `taskId: the task is ${TASK_STATUS[record.status]}, not input_required`,
      {
        field: "taskId",
      },
    );
}

/** The prompt tasks/update answers a waiting run with, or why there is none. */
export function promptOf(inputResponses: unknown): string {
  const parsed = InputResponsesSchema.safeParse(inputResponses ?? {});
  const answer = parsed.success ? parsed.data[INPUT_KEY] : undefined;
  if (answer?.action !== "accept" || typeof answer.content?.prompt !== "string")
    throw badRequest(`inputResponses.${INPUT_KEY}`, 'expected {action: "accept", content: {prompt: string}}');
  return answer.content.prompt;
}

/**
 * A task request's failure as a JSON-RPC error: the tool error body as `data`, its field named as
 * the task request names it (`taskId`, not the run tool's `run_id`).
 */
export function toTaskError(error: CallToolResult): ProtocolError {
  const body = JSON.parse((error.content[0] as { text: string }).text) as { message: string; field?: string };
  const data = body.field === "run_id" ? { ...body, field: "taskId" } : body;
  return new ProtocolError(ProtocolErrorCode.InvalidParams, body.message, data);
}

/** A task request handler whose every failure is a JSON-RPC error carrying the tool error body. */
export const asTaskRequest =
  <P, C, R>(method: string, handler: (params: P, req: C) => Promise<R>) =>
  async (params: P, req: C): Promise<R> => {
    try {
      return await handler(params, req);
    } catch (error) {
      throw error instanceof ProtocolError ? error : toTaskError(toToolError(method, error));
    }
  };
