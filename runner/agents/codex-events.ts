// Pure translation of @openai/codex-sdk thread events (the `codex exec --json` stream) into normalized
// Switchyard outputs. No process handling and no SDK calls here (see codex.ts); the clock is passed in.
import type { ThreadEvent, ThreadItem, Usage as CodexUsage } from "@openai/codex-sdk";
import { emit, runFailed, type BackendOutput } from "../../shared/backends/backend.ts";
import type { Usage } from "../../shared/runs/usage.ts";
import { notice, runCompleted, type EventMapper } from "./agent.ts";

export interface CodexMapperOptions {
  /** Emit `run_started` on `thread.started` (a run's first turn; a continue turn does not). */
  announceStart: boolean;
  /** The turn had an output schema: the final response must parse as JSON. */
  structured: boolean;
  /** Model named in backend_config; codex does not report the one it used. */
  model?: string;
  /** Wall clock in ms, for the turn's duration. */
  now: () => number;
}

type Phase = "started" | "updated" | "completed";

const COMMAND_EVENTS = {
  started: "command_started",
  updated: "command_updated",
  completed: "command_finished",
} as const;

export function createCodexMapper(options: CodexMapperOptions): EventMapper<ThreadEvent> {
  let finished = false;
  let announced = !options.announceStart;
  let finalResponse = "";
  let turnStartedAt = options.now();

  const terminal = (output: BackendOutput): BackendOutput[] => {
    finished = true;
    return [output];
  };

  function mapItem(phase: Phase, item: ThreadItem): BackendOutput[] {
    const item_id = item.id;
    switch (item.type) {
      case "agent_message":
        if (phase !== "completed") return [];
        finalResponse = item.text;
        return [emit("agent_message", { text: item.text, item_id })];
      case "reasoning":
        return phase === "completed" ? [emit("reasoning", { text: item.text, item_id })] : [];
      case "command_execution":
        return [
          emit(COMMAND_EVENTS[phase], {
            command: item.command,
            output: item.aggregated_output,
            exit_code: item.exit_code ?? null,
            status: item.status,
            item_id,
          }),
        ];
      case "file_change": {
        if (phase !== "completed") return [];
        const changes = item.changes.map(({ path, kind }) => ({ path, kind }));
        return [emit("file_changed", { changes, status: item.status, item_id })];
      }
      case "mcp_tool_call": {
        const tool = { item_id, name: item.tool, server: item.server };
        if (phase === "started") return [emit("tool_started", { ...tool, input: item.arguments })];
        if (phase === "updated") return [];
        return [
          emit("tool_finished", {
            ...tool,
            status: item.status,
            ...(item.result ? { output: item.result } : {}),
            ...(item.error ? { error: item.error.message } : {}),
          }),
        ];
      }
      case "web_search": {
        const tool = { item_id, name: "web_search", input: { query: item.query } };
        if (phase === "started") return [emit("tool_started", tool)];
        return phase === "completed" ? [emit("tool_finished", { ...tool, status: "completed" })] : [];
      }
      case "todo_list":
        return [
          emit("todo_updated", {
            items: item.items.map(({ text, completed }) => ({ text, completed })),
            item_id,
          }),
        ];
      case "error":
        // Non-fatal notices (unknown model metadata, "Falling back from WebSockets to HTTPS").
        return phase === "completed" ? [notice(item.message, { item_id })] : [];
    }
  }

  function completeTurn(usage: CodexUsage): BackendOutput[] {
    const usageEvent = emit("usage", toUsage(usage, options.now() - turnStartedAt, options.model));
    if (!options.structured) return [usageEvent, ...terminal(runCompleted(finalResponse))];
    const parsed = parseJson(finalResponse);
    if (parsed.ok) return [usageEvent, ...terminal(runCompleted(finalResponse, parsed.value))];
    return [
      usageEvent,
      ...terminal(runFailed("backend_failed", "codex: final response is not valid JSON for output_schema")),
    ];
  }

  return {
    finished: () => finished,
    map(event) {
      if (finished) return [];
      switch (event.type) {
        case "thread.started": {
          const outputs: BackendOutput[] = [{ kind: "ref", ref: { thread_id: event.thread_id } }];
          if (!announced) outputs.push(emit("run_started", { thread_id: event.thread_id }));
          announced = true;
          return outputs;
        }
        case "turn.started":
          turnStartedAt = options.now();
          return [];
        case "item.started":
          return mapItem("started", event.item);
        case "item.updated":
          return mapItem("updated", event.item);
        case "item.completed":
          return mapItem("completed", event.item);
        case "turn.completed":
          return completeTurn(event.usage);
        case "turn.failed":
          return terminal(runFailed("backend_failed", event.error.message));
        case "error":
          // Not the end of the turn, whatever the SDK's comment says: codex prints these for what it
          // recovers from ("Reconnecting... 2/5 (stream disconnected …)") and keeps working. A turn
          // ends with turn.completed or turn.failed, or with the process exiting (turn.ts).
          return [notice(event.message, { notice: "transient_error" })];
      }
    },
  };
}

/** OpenAI semantics carried over: input includes cached input, output includes reasoning. */
function toUsage(usage: CodexUsage, durationMs: number, model: string | undefined): Usage {
  return {
    input_tokens: usage.input_tokens,
    cached_input_tokens: usage.cached_input_tokens,
    output_tokens: usage.output_tokens,
    reasoning_tokens: usage.reasoning_output_tokens,
    total_tokens: usage.input_tokens + usage.output_tokens,
    duration_ms: Math.max(0, durationMs),
    ...(model === undefined ? {} : { model }),
  };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
