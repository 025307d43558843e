// The pure codex event mapping: every thread event and item type, usage normalization, and the
// exactly-one-terminal rule. Event shapes as `codex exec --json` 0.163 prints them.
import type { ThreadEvent } from "@openai/codex-sdk";
import { describe, expect, it } from "vitest";
import { createCodexMapper, type CodexMapperOptions } from "../../runner/agents/codex-events.ts";
import { eventsOf, terminalsOf } from "./support/agent-harness.ts";

function mapAll(events: ThreadEvent[], options: Partial<CodexMapperOptions> = {}) {
  let clock = 1_000;
  const mapper = createCodexMapper({
    announceStart: true,
    structured: false,
    now: () => (clock += 250),
    ...options,
  });
  return events.flatMap((e) => mapper.map(e));
}

const usage = {
  input_tokens: 100,
  cached_input_tokens: 20,
  cache_write_input_tokens: 0,
  output_tokens: 30,
  reasoning_output_tokens: 5,
};
const message = (text: string): ThreadEvent => ({
  type: "item.completed",
  item: { id: "m", type: "agent_message", text },
});

describe("codex event mapping", () => {
  it("turns thread.started into the thread ref and one run_started, unless it is a follow-up turn", () => {
    const started: ThreadEvent = { type: "thread.started", thread_id: "t-1" };
    expect(mapAll([started])).toEqual([
      { kind: "ref", ref: { thread_id: "t-1" } },
      { kind: "event", event: { type: "run_started", data: { thread_id: "t-1" } } },
    ]);
    expect(mapAll([started], { announceStart: false })).toEqual([{ kind: "ref", ref: { thread_id: "t-1" } }]);
  });

  it("maps a command's lifecycle to command_started/updated/finished with output and exit code", () => {
    const item = { id: "c1", type: "command_execution" as const, command: "ls", aggregated_output: "" };
    const events = eventsOf(
      mapAll([
        { type: "item.started", item: { ...item, status: "in_progress" } },
        { type: "item.updated", item: { ...item, aggregated_output: "a", status: "in_progress" } },
        {
          type: "item.completed",
          item: { ...item, aggregated_output: "a\nb", exit_code: 2, status: "failed" },
        },
      ]),
    );
    expect(events).toEqual([
      {
        type: "command_started",
        data: { command: "ls", output: "", exit_code: null, status: "in_progress", item_id: "c1" },
      },
      {
        type: "command_updated",
        data: { command: "ls", output: "a", exit_code: null, status: "in_progress", item_id: "c1" },
      },
      {
        type: "command_finished",
        data: { command: "ls", output: "a\nb", exit_code: 2, status: "failed", item_id: "c1" },
      },
    ]);
  });

  it("maps file changes, MCP tool calls, web searches, to-do lists, reasoning and notices", () => {
    const mcp = {
      id: "t1",
      type: "mcp_tool_call" as const,
      server: "docs",
      tool: "search",
      arguments: { q: "x" },
    };
    const events = eventsOf(
      mapAll([
        {
          type: "item.completed",
          item: {
            id: "f1",
            type: "file_change",
            changes: [{ path: "a.ts", kind: "add" }],
            status: "completed",
          },
        },
        { type: "item.started", item: { ...mcp, status: "in_progress" } },
        { type: "item.updated", item: { ...mcp, status: "in_progress" } },
        { type: "item.completed", item: { ...mcp, status: "failed", error: { message: "boom" } } },
        { type: "item.started", item: { id: "w1", type: "web_search", query: "vitest" } },
        { type: "item.completed", item: { id: "w1", type: "web_search", query: "vitest" } },
        {
          type: "item.updated",
          item: { id: "l1", type: "todo_list", items: [{ text: "step", completed: true }] },
        },
        { type: "item.completed", item: { id: "r1", type: "reasoning", text: "thinking" } },
        { type: "item.completed", item: { id: "e1", type: "error", message: "model metadata missing" } },
      ]),
    );
    expect(events).toEqual([
      {
        type: "file_changed",
        data: { changes: [{ path: "a.ts", kind: "add" }], status: "completed", item_id: "f1" },
      },
      { type: "tool_started", data: { item_id: "t1", name: "search", server: "docs", input: { q: "x" } } },
      {
        type: "tool_finished",
        data: { item_id: "t1", name: "search", server: "docs", status: "failed", error: "boom" },
      },
      { type: "tool_started", data: { item_id: "w1", name: "web_search", input: { query: "vitest" } } },
      {
        type: "tool_finished",
        data: { item_id: "w1", name: "web_search", input: { query: "vitest" }, status: "completed" },
      },
      { type: "todo_updated", data: { items: [{ text: "step", completed: true }], item_id: "l1" } },
      { type: "reasoning", data: { text: "thinking", item_id: "r1" } },
      {
        type: "message_added",
        data: { role: "system", level: "warning", text: "model metadata missing", item_id: "e1" },
      },
    ]);
  });

  it("completes a turn with normalized usage and the last agent message as final_response", () => {
    const outputs = mapAll(
      [{ type: "turn.started" }, message("draft"), message("final"), { type: "turn.completed", usage }],
      { model: "gpt-test" },
    );
    const [usageEvent, terminal] = eventsOf(outputs).slice(-2);
    expect(usageEvent).toEqual({
      type: "usage",
      data: {
        input_tokens: 100,
        cached_input_tokens: 20,
        output_tokens: 30,
        reasoning_tokens: 5,
        total_tokens: 130,
        duration_ms: 250,
        model: "gpt-test",
      },
    });
    expect(terminal).toEqual({ type: "run_completed", data: { final_response: "final" } });
  });

  it("parses the final response as structured_output when the turn had an output schema", () => {
    const ok = mapAll([message('{"answer":42}'), { type: "turn.completed", usage }], { structured: true });
    expect(terminalsOf(ok)).toEqual([
      { type: "run_completed", data: { final_response: '{"answer":42}', structured_output: { answer: 42 } } },
    ]);
    const bad = mapAll([message("not json"), { type: "turn.completed", usage }], { structured: true });
    expect(terminalsOf(bad)).toMatchObject([
      { type: "run_failed", data: { error: { code: "backend_failed" } } },
    ]);
  });

  it("fails on turn.failed, and emits nothing after the terminal event", () => {
    const outputs = mapAll([
      { type: "error", message: "stream broke" },
      { type: "turn.failed", error: { message: "stream broke" } },
      message("late"),
    ]);
    expect(terminalsOf(outputs)).toEqual([
      { type: "run_failed", data: { error: { code: "backend_failed", message: "stream broke" } } },
    ]);
    expect(eventsOf(outputs).at(-1)?.type).toBe("run_failed");
  });

  it("keeps the turn going on a top-level error: codex's retry notices become warnings", () => {
    const reconnecting = "Reconnecting... 2/5 (stream disconnected before completion: error sending request)";
    const mapper = createCodexMapper({ announceStart: false, structured: false, now: () => 0 });
    const outputs = [
      { type: "turn.started" },
      { type: "error", message: reconnecting },
      {
        type: "item.completed",
        item: { id: "e", type: "error", message: "Falling back from WebSockets to HTTPS transport." },
      },
    ].flatMap((e) => mapper.map(e as ThreadEvent));

    expect(mapper.finished()).toBe(false);
    expect(eventsOf(outputs)).toEqual([
      {
        type: "message_added",
        data: { role: "system", level: "warning", text: reconnecting, notice: "transient_error" },
      },
      {
        type: "message_added",
        data: {
          role: "system",
          level: "warning",
          text: "Falling back from WebSockets to HTTPS transport.",
          item_id: "e",
        },
      },
    ]);
    expect(
      terminalsOf([
        ...outputs,
        ...mapper.map(message("done")),
        ...mapper.map({ type: "turn.completed", usage }),
      ]),
    ).toEqual([{ type: "run_completed", data: { final_response: "done" } }]);
  });
});
