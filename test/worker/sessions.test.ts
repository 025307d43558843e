// Sessions, agent names, idempotency, lineage and timeouts through the MCP surface.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, drainEvents } from "./support/mcp.ts";

const a2a = (agent: "streaming" | "slow" | "inputRequired" = "streaming") => ({
  backend: "remote_a2a",
  prompt: "go",
  backend_config: { agent_url: agentUrl(agent) },
});

describe("sessions and names", () => {
  it("resume continues the same A2A context; continue_run on a finished run starts a new run in the session", async () => {
    const c = await connect();
    const first = await c.ok("spawn_run", { ...a2a(), agent_name: "resumer" });
    await drainEvents(c, first.run_id);
    const firstRun = await c.ok("get_run", { run_id: first.run_id });

    const second = await c.ok("spawn_run", {
      ...a2a(),
      session_mode: "resume",
      session_id: first.session_id,
    });
    expect(second.session_id).toBe(first.session_id);
    expect(second.agent_name).toBe("resumer");
    await drainEvents(c, second.run_id);
    const secondRun = await c.ok("get_run", { run_id: second.run_id });
    expect(secondRun.remote_ref.context_id).toBe(firstRun.remote_ref.context_id);

    const third = await c.ok("continue_run", { agent_name: "resumer", prompt: "and again" });
    expect(third.mode).toBe("new_run");
    expect(third.previous_run_id).toBe(second.run_id);
    await drainEvents(c, third.run_id);
    expect((await c.ok("get_run", { agent_name: "resumer" })).run_id).toBe(third.run_id);
  });

  it("agent_name is unique per tenant, but another tenant may use it", async () => {
    const acme = await connect();
    await acme.ok("spawn_run", { ...a2a(), agent_name: "solo" });
    const taken = await acme.err("spawn_run", { ...a2a(), agent_name: "solo" });
    expect(taken.code).toBe("conflict");
    expect(taken.field).toBe("agent_name");
    const globex = await connect("test-token-globex");
    expect((await globex.ok("spawn_run", { ...a2a(), nickname: "solo" })).agent_name).toBe("solo");
  });

  it("idempotency_key returns the same run; reused with other arguments it is refused", async () => {
    const c = await connect();
    const one = await c.ok("spawn_run", { ...a2a(), idempotency_key: "k-1" });
    const two = await c.ok("spawn_run", { ...a2a(), idempotency_key: "k-1" });
    expect(two.run_id).toBe(one.run_id);
    const other = await c.err("spawn_run", { ...a2a(), prompt: "different", idempotency_key: "k-1" });
    expect(other.field).toBe("idempotency_key");
  });

  it("parent_run_id links children; get_run lists them and list_runs filters by parent", async () => {
    const c = await connect();
    const parent = await c.ok("spawn_run", a2a());
    const kids = [
      await c.ok("spawn_run", { ...a2a(), parent_run_id: parent.run_id }),
      await c.ok("spawn_run", { ...a2a(), parent_run_id: parent.run_id }),
    ];
    const got = await c.ok("get_run", { run_id: parent.run_id });
    expect(got.child_run_ids.sort()).toEqual(kids.map((k) => k.run_id).sort());
    const listed = await c.ok("list_runs", { parent_run_id: parent.run_id });
    expect(listed.runs.map((r: any) => r.run_id).sort()).toEqual(kids.map((k) => k.run_id).sort());
  });

  it("timeout_s fails a live run with reason timeout, keeping its events", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", { ...a2a("slow"), timeout_s: 2 });
    const events = await drainEvents(c, run.run_id);
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got.status).toBe("failed");
    expect(got.error.code).toBe("timeout");
    expect(got.status_reason).toBe("timeout");
    expect(events.filter((e: any) => e.type === "agent_message").length).toBeGreaterThan(0);
  });
});
