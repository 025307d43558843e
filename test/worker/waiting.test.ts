// Long-polls wake on the event, not at wait_ms; wait_runs joins on any or all runs.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, waitForStatus } from "./support/mcp.ts";

const ask = { backend: "remote_a2a", prompt: "go", backend_config: { agent_url: agentUrl("inputRequired") } };

describe("waiting", () => {
  it("a parked poll_events returns with the event as soon as it is appended", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", ask);
    const waiting = await waitForStatus(c, run.run_id, ["input_required"]);
    // Parked for up to 30 s; it can only come back with events if an append woke it.
    const parked = c.ok("poll_events", { run_id: run.run_id, after_seq: waiting.last_seq, wait_ms: 30_000 });
    await c.ok("continue_run", { run_id: run.run_id, prompt: "Ada" });
    const page = await parked;
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events[0].seq).toBe(waiting.last_seq + 1);
    expect(page.events[0].type).toBe("message_added");
  });

  it("one poll returns everything pending, up to limit", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", ask);
    const waiting = await waitForStatus(c, run.run_id, ["input_required"]);
    const all = await c.ok("poll_events", { run_id: run.run_id, wait_ms: 0, limit: 1000 });
    expect(all.events).toHaveLength(waiting.last_seq);
    const two = await c.ok("poll_events", { run_id: run.run_id, wait_ms: 0, limit: 2 });
    expect(two.events.map((e: any) => e.seq)).toEqual([1, 2]);
    expect(two.next_after_seq).toBe(2);
  });

  it("wait_runs any returns when the first run ends, all when the last does", async () => {
    const c = await connect();
    const a = await c.ok("spawn_run", ask);
    const b = await c.ok("spawn_run", ask);
    await waitForStatus(c, a.run_id, ["input_required"]);
    await waitForStatus(c, b.run_id, ["input_required"]);

    const none = await c.ok("wait_runs", { run_ids: [a.run_id, b.run_id], wait_ms: 0 });
    expect(none.done).toBe(false);

    const any = c.ok("wait_runs", { run_ids: [a.run_id, b.run_id], mode: "any", wait_ms: 30_000 });
    const all = c.ok("wait_runs", { run_ids: [a.run_id, b.run_id], mode: "all", wait_ms: 30_000 });
    await c.ok("continue_run", { run_id: a.run_id, prompt: "A" });
    const first = await any;
    expect(first.done).toBe(true);
    expect(first.runs.find((r: any) => r.run_id === a.run_id).status).toBe("completed");
    expect(first.runs.find((r: any) => r.run_id === b.run_id).terminal).toBe(false);

    await c.ok("continue_run", { run_id: b.run_id, prompt: "B" });
    const last = await all;
    expect(last.done).toBe(true);
    expect(last.runs.every((r: any) => r.status === "completed")).toBe(true);
  });
});
