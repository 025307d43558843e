// Pure translation of Claude Agent SDK messages (Claude Code's stream-json) into normalized Switchyard
// outputs. Tool calls are paired with their results by tool_use id. No process handling or SDK calls
// here (see claude-code.ts).
import type { SDKMessage, SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import { z } from "zod";
import { emit, runFailed, type BackendOutput } from "../../shared/backends/backend.ts";
import type { Usage } from "../../shared/runs/usage.ts";
import { notice, runCompleted, type EventMapper } from "./agent.ts";

export interface ClaudeCodeMapperOptions {
  /** Emit `run_started` on system/init (a run's first turn; a continue turn does not). */
  announceStart: boolean;
}

type UserMessage = Extract<SDKMessage, { type: "user" }>;
type SystemMessage = Extract<SDKMessage, { type: "system" }>;
type ContentBlock = Extract<SDKMessage, { type: "assistant" }>["message"]["content"][number];
type ToolResultBlock = Extract<
  Exclude<UserMessage["message"]["content"], string>[number],
  { type: "tool_result" }
>;

interface ToolCall {
  name: string;
  input: unknown;
  /** Set when a subagent made the call: the Task/Agent tool_use it runs under. */
  parent: string | null;
}

const FILE_TOOLS = new Set(["Edit", "MultiEdit", "Write", "NotebookEdit"]);
const SUBAGENT_TOOLS = new Set(["Task", "Agent"]);
/** The json_schema output format's carrier tool; the result message holds what it carried. */
const STRUCTURED_OUTPUT_TOOL = "StructuredOutput";

const BashInputSchema = z.object({ command: z.string() });
const FileInputSchema = z.union([
  z.object({ file_path: z.string() }),
  z.object({ notebook_path: z.string() }),
]);
const TodoWriteInputSchema = z.object({
  todos: z.array(z.object({ content: z.string(), status: z.string() })),
});
const BashResultSchema = z.object({ stdout: z.string(), stderr: z.string() });
const WriteResultSchema = z.object({ type: z.enum(["create", "update"]) });
/** Not in the SDK's types (CLI 2.1.330 sends it): per-model usage of this turn alone. */
const TurnModelUsageSchema = z.record(z.string(), z.object({ costUSD: z.number() }));
const ThinkingTokensSchema = z.object({ output_tokens_details: z.object({ thinking_tokens: z.number() }) });

export function createClaudeCodeMapper(options: ClaudeCodeMapperOptions): EventMapper<SDKMessage> {
  let finished = false;
  let announced = !options.announceStart;
  let model: string | undefined;
  const calls = new Map<string, ToolCall>();

  function onBlock(block: ContentBlock, parent: string | null, messageId: string): BackendOutput[] {
    const context = parent === null ? {} : { parent_item_id: parent };
    switch (block.type) {
      case "text":
        return [emit("agent_message", { text: block.text, item_id: messageId, ...context })];
      case "thinking":
        return [emit("reasoning", { text: block.thinking, item_id: messageId, ...context })];
      case "tool_use":
        calls.set(block.id, { name: block.name, input: block.input, parent });
        return onToolUse(block.id, block.name, block.input, context);
      default:
        return [];
    }
  }

  function onToolUse(item_id: string, name: string, input: unknown, context: object): BackendOutput[] {
    const bash = name === "Bash" ? BashInputSchema.safeParse(input) : undefined;
    if (bash?.success) {
      const { command } = bash.data;
      return [
        emit("command_started", {
          command,
          output: "",
          exit_code: null,
          status: "in_progress",
          item_id,
          ...context,
        }),
      ];
    }
    if (name === "TodoWrite") {
      const todos = TodoWriteInputSchema.safeParse(input);
      if (!todos.success) return [];
      const items = todos.data.todos.map((t) => ({
        text: t.content,
        status: t.status,
        completed: t.status === "completed",
      }));
      return [emit("todo_updated", { items, item_id, ...context })];
    }
    // File edits are reported once they happened (file_changed on the result).
    if (name === STRUCTURED_OUTPUT_TOOL || FILE_TOOLS.has(name)) return [];
    const subagent = SUBAGENT_TOOLS.has(name) ? { subagent: true } : {};
    return [emit("tool_started", { item_id, name, input, ...subagent, ...context })];
  }

  function onToolResult(block: ToolResultBlock, structured: unknown): BackendOutput[] {
    const call = calls.get(block.tool_use_id);
    if (!call) return [];
    calls.delete(block.tool_use_id);
    const item_id = block.tool_use_id;
    const context = call.parent === null ? {} : { parent_item_id: call.parent };
    const failed = block.is_error === true;
    const status = failed ? "failed" : "completed";
    const text = resultText(block.content);
    const bash = call.name === "Bash" ? BashInputSchema.safeParse(call.input) : undefined;
    if (bash?.success) {
      const streams = BashResultSchema.safeParse(structured);
      const output = streams.success
        ? [streams.data.stdout, streams.data.stderr].filter(Boolean).join("\n")
        : text;
      const exit_code = failed ? exitCodeOf(text) : 0;
      return [
        emit("command_finished", {
          command: bash.data.command,
          output,
          exit_code,
          status,
          item_id,
          ...context,
        }),
      ];
    }
    if (call.name === "TodoWrite" || call.name === STRUCTURED_OUTPUT_TOOL) return [];
    if (FILE_TOOLS.has(call.name)) {
      const file = FileInputSchema.safeParse(call.input);
      if (!file.success) return [];
      const path = "file_path" in file.data ? file.data.file_path : file.data.notebook_path;
      const created = WriteResultSchema.safeParse(structured).data?.type === "create";
      return [
        emit("file_changed", {
          changes: [{ path, kind: created ? "add" : "update" }],
          status,
          item_id,
          ...context,
        }),
      ];
    }
    const subagent = SUBAGENT_TOOLS.has(call.name) ? { subagent: true } : {};
    return [
      emit("tool_finished", { item_id, name: call.name, status, output: text, ...subagent, ...context }),
    ];
  }

  function onUser(message: UserMessage): BackendOutput[] {
    const content = message.message.content;
    if (typeof content === "string") return [];
    const results: ToolResultBlock[] = [];
    for (const block of content) if (block.type === "tool_result") results.push(block);
    // tool_use_result is per message: it belongs to a block only when the message carries just one.
    const structured = results.length === 1 ? message.tool_use_result : undefined;
    return results.flatMap((block) => onToolResult(block, structured));
  }

  return {
    finished: () => finished,
    map(message) {
      if (finished) return [];
      switch (message.type) {
        case "system": {
          if (message.subtype !== "init") return systemNotice(message);
          model = message.model;
          const outputs: BackendOutput[] = [{ kind: "ref", ref: { session_id: message.session_id } }];
          if (!announced)
            outputs.push(emit("run_started", { session_id: message.session_id, model: message.model }));
          announced = true;
          return outputs;
        }
        case "assistant":
          return message.message.content.flatMap((b) =>
            onBlock(b, message.parent_tool_use_id, message.message.id),
          );
        case "user":
          return onUser(message);
        case "result":
          finished = true;
          return [emit("usage", toClaudeUsage(message, model)), terminalOf(message)];
        default:
          return [];
      }
    },
  };
}

/**
 * System messages worth a line in the run's log. None of them ends the turn: only `result` does,
 * also after Claude Code gave up retrying (it then reports an error result). The others (status,
 * hooks, tasks, progress, settings) are Claude Code's own bookkeeping and are left out.
 */
function systemNotice(message: SystemMessage): BackendOutput[] {
  switch (message.subtype) {
    case "api_retry": {
      const status = message.error_status === null ? "no response" : `HTTP ${message.error_status}`;
      const text = `model request failed (${status}, ${message.error}); retry ${message.attempt} of ${message.max_retries} in ${message.retry_delay_ms} ms`;
      return [notice(text, { notice: "api_retry", attempt: message.attempt })];
    }
    case "model_refusal_fallback":
      return [
        notice(`the model refused; retrying on ${message.fallback_model}`, { notice: "model_fallback" }),
      ];
    case "model_refusal_no_fallback":
      return [notice(message.content, { notice: "model_refusal" })];
    case "informational":
      return message.level === "warning" ? [notice(message.content, { notice: "informational" })] : [];
    case "mirror_error":
      return [notice(`the session transcript could not be mirrored: ${message.error}`)];
    case "session_writes_lost":
      return [notice(`Claude Code could not save ${message.lost.join(" and ")} (${message.error_code})`)];
    default:
      return [];
  }
}

function terminalOf(result: SDKResultMessage): BackendOutput {
  if (result.subtype === "success" && !result.is_error)
    return runCompleted(result.result, result.structured_output);
  if (result.subtype === "success")
    return runFailed("backend_failed", result.result || "claude_code reported an error");
  const budget = result.subtype === "error_max_turns" || result.subtype === "error_max_budget_usd";
  return runFailed(budget ? "budget_exceeded" : "backend_failed", result.errors.join("; ") || result.subtype);
}

/**
 * Anthropic counts cache reads and writes apart from input_tokens; normalized input includes both
 * (as OpenAI's does), and cached input is the cache reads only, since cache writes are billed as
 * fresh (dearer) input. Tokens are the main agent loop's for this turn (subagents excluded, as the SDK
 * reports them). `cost_usd` is this turn's: total_cost_usd keeps counting across resumed turns.
 */
function toClaudeUsage(result: SDKResultMessage, model: string | undefined): Usage & Record<string, unknown> {
  const { usage } = result;
  const input = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
  const turnUsage =
    "model_usage_since_last_result" in result
      ? TurnModelUsageSchema.safeParse(result.model_usage_since_last_result).data
      : undefined;
  const turnCost = turnUsage && Object.values(turnUsage).reduce((sum, m) => sum + m.costUSD, 0);
  return {
    input_tokens: input,
    cached_input_tokens: usage.cache_read_input_tokens,
    output_tokens: usage.output_tokens,
    reasoning_tokens: ThinkingTokensSchema.safeParse(usage).data?.output_tokens_details.thinking_tokens ?? 0,
    total_tokens: input + usage.output_tokens,
    duration_ms: result.duration_ms,
    cost_usd: turnCost ?? result.total_cost_usd,
    session_cost_usd: result.total_cost_usd,
    turns: result.num_turns,
    ...(model === undefined ? {} : { model }),
  };
}

/** Claude Code reports a failed command as `Exit code N` + output; a refused one has no code. */
function exitCodeOf(text: string): number | null {
  const match = /^Exit code (\d+)/.exec(text);
  return match ? Number(match[1]) : null;
}

function resultText(content: ToolResultBlock["content"]): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
}
