// Every malformed call gets isError with a message naming the field, and stores nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentUrl, connect, type TestClient } from "./support/mcp.ts";

const A2A = () => ({
  backend: "remote_a2a",
  prompt: "hi",
  backend_config: { agent_url: agentUrl("streaming") },
});
const RUN = "run_000000000000000000000";
const big = (n: number) => "x".repeat(n);

type Case = [name: string, tool: string, args: () => unknown, field: string];

const CASES: Case[] = [
  ["backend missing", "spawn_run", () => ({ prompt: "hi" }), "backend"],
  ["backend unknown", "spawn_run", () => ({ ...A2A(), backend: "gpt-pilot" }), "backend"],
  ["backend wrong type", "spawn_run", () => ({ ...A2A(), backend: 7 }), "backend"],
  [
    "no prompt nor input_message",
    "spawn_run",
    () => ({ backend: "remote_a2a", backend_config: A2A().backend_config }),
    "prompt",
  ],
  ["prompt empty", "spawn_run", () => ({ ...A2A(), prompt: "" }), "prompt"],
  ["prompt oversized", "spawn_run", () => ({ ...A2A(), prompt: big(300 * 1024) }), "prompt"],
  ["prompt wrong type", "spawn_run", () => ({ ...A2A(), prompt: ["hi"] }), "prompt"],
  ["relative cwd", "spawn_run", () => ({ ...A2A(), cwd: "src/app" }), "cwd"],
  [
    "session resume without session_id",
    "spawn_run",
    () => ({ ...A2A(), session_mode: "resume" }),
    "session_id",
  ],
  ["session_mode unknown", "spawn_run", () => ({ ...A2A(), session_mode: "fork" }), "session_mode"],
  ["session_id with new", "spawn_run", () => ({ ...A2A(), session_id: "ses_x" }), "session_id"],
  [
    "resume of unknown session",
    "spawn_run",
    () => ({ ...A2A(), session_mode: "resume", session_id: "ses_nope" }),
    "session_id",
  ],
  ["agent_name with spaces", "spawn_run", () => ({ ...A2A(), agent_name: "my agent" }), "agent_name"],
  ["agent_name oversized", "spawn_run", () => ({ ...A2A(), agent_name: big(65) }), "agent_name"],
  [
    "nickname differs from agent_name",
    "spawn_run",
    () => ({ ...A2A(), agent_name: "a1", nickname: "b1" }),
    "nickname",
  ],
  ["profile unknown", "spawn_run", () => ({ ...A2A(), profile: "wizard" }), "profile"],
  [
    "profile and profile_text",
    "spawn_run",
    () => ({ ...A2A(), profile: "reviewer-remediator", profile_text: "x" }),
    "profile_text",
  ],
  ["output_schema not an object", "spawn_run", () => ({ ...A2A(), output_schema: "json" }), "output_schema"],
  ["metadata oversized", "spawn_run", () => ({ ...A2A(), metadata: { blob: big(20 * 1024) } }), "metadata"],
  ["timeout_s negative", "spawn_run", () => ({ ...A2A(), timeout_s: -5 }), "timeout_s"],
  ["timeout_s fractional", "spawn_run", () => ({ ...A2A(), timeout_s: 1.5 }), "timeout_s"],
  ["unknown field", "spawn_run", () => ({ ...A2A(), promt: "typo" }), "promt"],
  [
    "agent_url missing",
    "spawn_run",
    () => ({ backend: "remote_a2a", prompt: "hi", backend_config: {} }),
    "backend_config.agent_url",
  ],
  [
    "agent_url not a URL",
    "spawn_run",
    () => ({ ...A2A(), backend_config: { agent_url: "not a url" } }),
    "backend_config.agent_url",
  ],
  [
    "agent_url private address",
    "spawn_run",
    () => ({ ...A2A(), backend_config: { agent_url: "http://10.0.0.8/a2a" } }),
    "backend_config.agent_url",
  ],
  [
    "headers wrong type",
    "spawn_run",
    () => ({ ...A2A(), backend_config: { agent_url: agentUrl("streaming"), headers: "x" } }),
    "backend_config.headers",
  ],
  [
    "input_message without parts",
    "spawn_run",
    () => ({
      backend: "remote_a2a",
      input_message: { role: "user", parts: [] },
      backend_config: A2A().backend_config,
    }),
    "input_message.parts",
  ],
  [
    "input_message part kind unknown",
    "spawn_run",
    () => ({
      backend: "remote_a2a",
      input_message: { parts: [{ kind: "video" }] },
      backend_config: A2A().backend_config,
    }),
    "input_message.parts.0",
  ],
  ["parent_run_id unknown", "spawn_run", () => ({ ...A2A(), parent_run_id: RUN }), "parent_run_id"],
  [
    "runner name wrong type",
    "spawn_run",
    () => ({ backend: "codex", prompt: "hi", cwd: "/tmp", backend_config: { runner: 5 } }),
    "backend_config.runner",
  ],
  ["get_run without selector", "get_run", () => ({}), "run_id"],
  ["get_run with both selectors", "get_run", () => ({ run_id: RUN, agent_name: "x" }), "run_id"],
  ["get_run unknown run", "get_run", () => ({ run_id: RUN }), "run_id"],
  ["get_run malformed id", "get_run", () => ({ run_id: "../../etc" }), "run_id"],
  ["get_run unknown agent", "get_run", () => ({ agent_name: "nobody" }), "agent_name"],
  ["poll limit zero", "poll_events", () => ({ run_id: RUN, limit: 0 }), "limit"],
  ["poll limit too big", "poll_events", () => ({ run_id: RUN, limit: 1001 }), "limit"],
  ["poll wait_ms too long", "poll_events", () => ({ run_id: RUN, wait_ms: 60_000 }), "wait_ms"],
  ["poll after_seq negative", "poll_events", () => ({ run_id: RUN, after_seq: -1 }), "after_seq"],
  [
    "artifact bad pointer",
    "get_event_artifact",
    () => ({ run_id: RUN, seq: 1, field_path: "output" }),
    "field_path",
  ],
  [
    "artifact negative offset",
    "get_event_artifact",
    () => ({ run_id: RUN, seq: 1, field_path: "/output", offset: -1 }),
    "offset",
  ],
  [
    "artifact limit too big",
    "get_event_artifact",
    () => ({ run_id: RUN, seq: 1, field_path: "/output", limit: 262_145 }),
    "limit",
  ],
  ["artifact seq zero", "get_event_artifact", () => ({ run_id: RUN, seq: 0, field_path: "/output" }), "seq"],
  ["wait_runs empty", "wait_runs", () => ({ run_ids: [] }), "run_ids"],
  ["wait_runs too many", "wait_runs", () => ({ run_ids: Array.from({ length: 101 }, () => RUN) }), "run_ids"],
  ["wait_runs mode unknown", "wait_runs", () => ({ run_ids: [RUN], mode: "some" }), "mode"],
  ["wait_runs unknown run", "wait_runs", () => ({ run_ids: [RUN], wait_ms: 0 }), "run_ids.0"],
  ["watch_runs empty", "watch_runs", () => ({ runs: [] }), "runs"],
  ["watch_runs cursor not an object", "watch_runs", () => ({ runs: [RUN] }), "runs.0"],
  ["watch_runs unknown field", "watch_runs", () => ({ runs: [{ run_id: RUN, seq: 1 }] }), "runs.0"],
  ["watch_runs wait too long", "watch_runs", () => ({ runs: [{ run_id: RUN }], wait_ms: 30_001 }), "wait_ms"],
  ["watch_runs unknown run", "watch_runs", () => ({ runs: [{ run_id: RUN }], wait_ms: 0 }), "runs.0.run_id"],
  ["continue without message", "continue_run", () => ({ run_id: RUN }), "prompt"],
  ["cancel unknown run", "cancel_run", () => ({ run_id: RUN }), "run_id"],
  ["list_runs limit too big", "list_runs", () => ({ limit: 500 }), "limit"],
  ["list_runs bad cursor", "list_runs", () => ({ cursor: "garbage" }), "cursor"],
  ["list_runs status unknown", "list_runs", () => ({ status: "sleeping" }), "status"],
  ["no such tool", "launch_rockets", () => ({}), "launch_rockets"],
];

describe("malformed calls", () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await connect();
  });
  afterAll(() => c.close());

  it("has a table of at least 30 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)("%s → isError naming the field", async (_name, tool, args, field) => {
    const before = await c.ok("list_runs", { limit: 200 });
    const error = await c.err(tool, args());
    expect(error.message).toContain(field);
    expect(error.code).toMatch(/^(bad_request|not_found|conflict|runner_unavailable)$/);
    const after = await c.ok("list_runs", { limit: 200 });
    expect(after.runs).toEqual(before.runs);
  });
});
