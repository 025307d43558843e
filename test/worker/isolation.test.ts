// Tenant isolation: another tenant's run id behaves exactly like an id that does not exist.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, drainEvents } from "./support/mcp.ts";

describe("tenant isolation", () => {
  it("tenant B cannot get, poll, cancel, continue, list, wait for or read artifacts of tenant A's runs", async () => {
    const a = await connect("test-token-acme");
    const b = await connect("test-token-globex");
    const run = await a.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      agent_name: "acme-private",
      backend_config: { agent_url: agentUrl("bigOutput") },
    });
    await drainEvents(a, run.run_id);
    const missing = "run_000000000000000000000";

    const calls: [string, Record<string, unknown>][] = [
      ["get_run", { run_id: run.run_id }],
      ["poll_events", { run_id: run.run_id, wait_ms: 0 }],
      ["cancel_run", { run_id: run.run_id }],
      ["continue_run", { run_id: run.run_id, prompt: "hi" }],
      ["get_event_artifact", { run_id: run.run_id, seq: 1, field_path: "/text" }],
      ["wait_runs", { run_ids: [run.run_id], wait_ms: 0 }],
      ["watch_runs", { runs: [{ run_id: run.run_id }], wait_ms: 0 }],
      ["get_run", { agent_name: "acme-private" }],
    ];
    for (const [tool, args] of calls) {
      const theirs = await b.err(tool, args);
      const nothing = await b.err(
        tool,
        JSON.parse(
          JSON.stringify(args).replaceAll(run.run_id, missing).replace("acme-private", "nobody-here"),
        ),
      );
      expect(theirs.code, tool).toBe("not_found");
      expect(theirs.code).toBe(nothing.code);
      expect(theirs.message.replaceAll(run.run_id, "<id>").replace("acme-private", "<n>")).toBe(
        nothing.message.replaceAll(missing, "<id>").replace("nobody-here", "<n>"),
      );
    }
    expect((await b.ok("list_runs", {})).runs.map((r: any) => r.run_id)).not.toContain(run.run_id);
    expect((await b.ok("list_runs", { agent_name: "acme-private" })).runs).toEqual([]);
    expect((await a.ok("get_run", { run_id: run.run_id })).status).toBe("completed");
  });
});
