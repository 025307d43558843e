// The pure Claude Code message mapping: text, thinking, tool calls paired with their results (Bash,
// file edits, TodoWrite, subagents, others), usage normalization and terminal events. Message shapes
// as Claude Code 2.1.330 prints them (fields the mapping does not read are left out).
import type { SDKMessage } from "@anthropic-ai/claude-agent-sdk";
import { describe, expect, it } from "vitest";
import { createClaudeCodeMapper } from "../../runner/agents/claude-code-events.ts";
import { eventsOf, terminalsOf } from "./support/agent-harness.ts";

/** Test messages carry only what the mapper reads; the SDK types demand the rest. */
const sdk = (message: Record<string, unknown>) => message as unknown as SDKMessage;

const init = sdk({ type: "system", subtype: "init", session_id: "s-1", model: "claude-test" });
const assistant = (content: unknown[], parent: string | null = null) =>
  sdk({ type: "assistant", message: { id: "msg_1", content }, parent_tool_use_id: parent });
const toolUse = (id: string, name: string, input: unknown) => ({ type: "tool_use", id, name, input });
const toolResult = (
  id: string,
  content: string,
  isError = false,
  structured?: unknown,
  parent: string | null = null,
) =>
  sdk({
    type: "user",
    message: {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: id, content, is_error: isError }],
    },
    parent_tool_use_id: parent,
    tool_use_result: structured,
  });
const usage = {
  input_tokens: 100,
  cache_read_input_tokens: 20,
  cache_creation_input_tokens: 10,
  output_tokens: 30,
};
const result = (fields: Record<string, unknown>) =>
  sdk({
    type: "result",
    subtype: "success",
    is_error: false,
    result: "Done.",
    duration_ms: 1234,
    num_turns: 3,
    total_cost_usd: 0.5,
    usage,
    errors: [],
    ...fields,
  });

function mapAll(messages: SDKMessage[], announceStart = true) {
  const mapper = createClaudeCodeMapper({ announceStart });
  return messages.flatMap((m) => mapper.map(m));
}

describe("claude_code message mapping", () => {
  it("turns system/init into the session ref and one run_started, unless it is a follow-up turn", () => {
    expect(mapAll([init])).toEqual([
      { kind: "ref", ref: { session_id: "s-1" } },
      { kind: "event", event: { type: "run_started", data: { session_id: "s-1", model: "claude-test" } } },
    ]);
    expect(mapAll([init], false)).toEqual([{ kind: "ref", ref: { session_id: "s-1" } }]);
  });

  it("maps text and thinking blocks to agent_message and reasoning", () => {
    const events = eventsOf(
      mapAll([
        assistant([
          { type: "thinking", thinking: "hmm" },
          { type: "text", text: "Hi" },
        ]),
      ]),
    );
    expect(events).toEqual([
      { type: "reasoning", data: { text: "hmm", item_id: "msg_1" } },
      { type: "agent_message", data: { text: "Hi", item_id: "msg_1" } },
    ]);
  });

  it("pairs Bash calls with their results: output, exit code, and no code for a refused command", () => {
    const events = eventsOf(
      mapAll([
        assistant([toolUse("b1", "Bash", { command: "make" })]),
        toolResult("b1", "ok", false, { stdout: "ok", stderr: "warn", interrupted: false }),
        assistant([toolUse("b2", "Bash", { command: "false" })]),
        toolResult("b2", "Exit code 3\nbad", true),
        assistant([toolUse("b3", "Bash", { command: "sleep 9" })]),
        toolResult("b3", "<tool_use_error>Blocked: standalone sleep</tool_use_error>", true),
      ]),
    );
    expect(events.map((e) => [e.type, e.data.exit_code, e.data.status])).toEqual([
      ["command_started", null, "in_progress"],
      ["command_finished", 0, "completed"],
      ["command_started", null, "in_progress"],
      ["command_finished", 3, "failed"],
      ["command_started", null, "in_progress"],
      ["command_finished", null, "failed"],
    ]);
    expect(events[1]!.data).toEqual({
      command: "make",
      output: "ok\nwarn",
      exit_code: 0,
      status: "completed",
      item_id: "b1",
    });
    expect(events[3]!.data.output).toBe("Exit code 3\nbad");
  });

  it("reports Write/Edit as file_changed once they happened, added or updated", () => {
    const events = eventsOf(
      mapAll([
        assistant([toolUse("w1", "Write", { file_path: "/w/new.txt", content: "x" })]),
        toolResult("w1", "File created", false, { type: "create", filePath: "/w/new.txt" }),
        assistant([toolUse("e1", "Edit", { file_path: "/w/a.ts", old_string: "a", new_string: "b" })]),
        toolResult("e1", "String not found", true),
      ]),
    );
    expect(events).toEqual([
      {
        type: "file_changed",
        data: { changes: [{ path: "/w/new.txt", kind: "add" }], status: "completed", item_id: "w1" },
      },
      {
        type: "file_changed",
        data: { changes: [{ path: "/w/a.ts", kind: "update" }], status: "failed", item_id: "e1" },
      },
    ]);
  });

  it("maps TodoWrite to todo_updated, subagents and other tools to tool_started/finished", () => {
    const events = eventsOf(
      mapAll([
        assistant([
          toolUse("td", "TodoWrite", {
            todos: [{ content: "Write tests", status: "completed", activeForm: "x" }],
          }),
        ]),
        toolResult("td", "Todos updated"),
        assistant([toolUse("a1", "Agent", { description: "explore", prompt: "look" })]),
        assistant([toolUse("r1", "Read", { file_path: "/w/a.ts" })], "a1"),
        toolResult("r1", "contents", false, undefined, "a1"),
        toolResult("a1", "Report"),
        assistant([toolUse("so", "StructuredOutput", { answer: 1 })]),
        toolResult("so", "Structured output provided successfully"),
        toolResult("unknown", "stray"),
      ]),
    );
    expect(events).toEqual([
      {
        type: "todo_updated",
        data: { items: [{ text: "Write tests", status: "completed", completed: true }], item_id: "td" },
      },
      {
        type: "tool_started",
        data: {
          item_id: "a1",
          name: "Agent",
          input: { description: "explore", prompt: "look" },
          subagent: true,
        },
      },
      {
        type: "tool_started",
        data: { item_id: "r1", name: "Read", input: { file_path: "/w/a.ts" }, parent_item_id: "a1" },
      },
      {
        type: "tool_finished",
        data: { item_id: "r1", name: "Read", status: "completed", output: "contents", parent_item_id: "a1" },
      },
      {
        type: "tool_finished",
        data: { item_id: "a1", name: "Agent", status: "completed", output: "Report", subagent: true },
      },
    ]);
  });

  it("ends with normalized usage (this turn's cost) and run_completed with structured_output", () => {
    const outputs = mapAll([
      init,
      result({
        structured_output: { answer: 42 },
        usage: { ...usage, output_tokens_details: { thinking_tokens: 7 } },
        model_usage_since_last_result: { "claude-test": { costUSD: 0.125 } },
      }),
    ]);
    const [usageEvent, terminal] = eventsOf(outputs).slice(-2);
    expect(usageEvent).toEqual({
      type: "usage",
      data: {
        input_tokens: 130,
        cached_input_tokens: 20,
        output_tokens: 30,
        reasoning_tokens: 7,
        total_tokens: 160,
        duration_ms: 1234,
        cost_usd: 0.125,
        session_cost_usd: 0.5,
        turns: 3,
        model: "claude-test",
      },
    });
    expect(terminal).toEqual({
      type: "run_completed",
      data: { final_response: "Done.", structured_output: { answer: 42 } },
    });
  });

  it("fails on error results, naming turn and budget limits budget_exceeded", () => {
    expect(
      terminalsOf(mapAll([result({ subtype: "error_max_turns", errors: ["Reached max turns (2)"] })])),
    ).toEqual([
      { type: "run_failed", data: { error: { code: "budget_exceeded", message: "Reached max turns (2)" } } },
    ]);
    expect(terminalsOf(mapAll([result({ is_error: true, result: "API Error: 400 refused" })]))).toEqual([
      { type: "run_failed", data: { error: { code: "backend_failed", message: "API Error: 400 refused" } } },
    ]);
    const afterEnd = mapAll([result({}), assistant([{ type: "text", text: "late" }])]);
    expect(eventsOf(afterEnd).map((e) => e.type)).toEqual(["usage", "run_completed"]);
  });

  it("reports retries, model fallbacks and warnings as notices; only the result ends the turn", () => {
    const mapper = createClaudeCodeMapper({ announceStart: false });
    const outputs = [
      init,
      sdk({
        type: "system",
        subtype: "api_retry",
        attempt: 1,
        max_retries: 10,
        retry_delay_ms: 619,
        error_status: 529,
        error: "overloaded",
      }),
      sdk({
        type: "system",
        subtype: "api_retry",
        attempt: 2,
        max_retries: 10,
        retry_delay_ms: 1207,
        error_status: null,
        error: "unknown",
      }),
      sdk({ type: "system", subtype: "model_refusal_fallback", fallback_model: "claude-other" }),
      sdk({ type: "system", subtype: "informational", level: "warning", content: "a hook said no" }),
      sdk({ type: "system", subtype: "informational", level: "info", content: "fyi" }),
      sdk({ type: "system", subtype: "status", status: "requesting" }),
    ].flatMap((m) => mapper.map(m));

    expect(mapper.finished()).toBe(false);
    expect(eventsOf(outputs).map((e) => [e.data.notice, e.data.text])).toEqual([
      ["api_retry", "model request failed (HTTP 529, overloaded); retry 1 of 10 in 619 ms"],
      ["api_retry", "model request failed (no response, unknown); retry 2 of 10 in 1207 ms"],
      ["model_fallback", "the model refused; retrying on claude-other"],
      ["informational", "a hook said no"],
    ]);
    expect(eventsOf(outputs).every((e) => e.type === "message_added" && e.data.level === "warning")).toBe(
      true,
    );
    expect(terminalsOf(mapper.map(result({})))).toEqual([
      { type: "run_completed", data: { final_response: "Done." } },
    ]);
  });
});
