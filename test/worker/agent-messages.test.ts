// Agent-to-agent messages through the real MCP client: send_agent_message into an inbox (noted in
// the recipient's newest run) or continuing an input_required run, fetch_agent_messages unread or
// by cursor, and list_agents with each agent's newest run and unread count.
import { describe, expect, it } from "vitest";
import { connect, drainEvents, spawnA2aRun, waitForStatus, type TestClient } from "./support/mcp.ts";
import { runnerWithRun } from "./support/scripted-runner.ts";

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

/** A run of the A2A fixture `agent` under a fresh agent name, once it reached `status`. */
async function agent(c: TestClient, fixture: "streaming" | "inputRequired", status: string) {
  const agent_name = unique(fixture === "streaming" ? "done" : "asking");
  const run = await spawnA2aRun(c, fixture, { agent_name });
  await waitForStatus(c, run.run_id, [status]);
  return { agent_name, run_id: run.run_id as string, session_id: run.session_id as string };
}

describe("send_agent_message and fetch_agent_messages", () => {
  it("a message waits unread in the inbox, is noted in the recipient's run, and is fetched once", async () => {
    const c = await connect();
    const alice = await agent(c, "streaming", "completed");
    const bob = await agent(c, "streaming", "completed");
    const sent = await c.ok("send_agent_message", {
      from_agent_name: alice.agent_name,
      to_agent_name: bob.agent_name,
      message: { role: "agent", parts: [{ type: "text", text: "review my diff" }], metadata: { pr: 7 } },
      metadata: { thread: "t1" },
    });
    expect(sent).toMatchObject({
      to_agent_name: bob.agent_name,
      to_session_id: bob.session_id,
      delivery: "inbox",
      run_id: bob.run_id,
    });
    expect(sent.message_id).toMatch(/^msg_/);

    const events = await drainEvents(c, bob.run_id);
    const noted = events.filter((e) => e.type === "message_added");
    expect(noted).toHaveLength(1);
    expect(noted[0].data).toEqual({
      role: "agent",
      parts: [{ kind: "text", text: "review my diff" }],
      metadata: { pr: 7 },
      agent_message: {
        message_id: sent.message_id,
        seq: sent.seq,
        from_agent_name: alice.agent_name,
        delivery: "inbox",
      },
    });

    const listed = async () =>
      (await c.ok("list_agents", { limit: 500 })).agents.find((a: any) => a.agent_name === bob.agent_name);
    expect((await listed()).unread).toBe(1);

    const first = await c.ok("fetch_agent_messages", { agent_name: bob.agent_name });
    expect(first).toMatchObject({ agent_name: bob.agent_name, session_id: bob.session_id, unread: 0 });
    expect(first.messages).toHaveLength(1);
    expect(first.messages[0]).toMatchObject({
      message_id: sent.message_id,
      seq: sent.seq,
      from_agent_name: alice.agent_name,
      from_session_id: alice.session_id,
      to_agent_name: bob.agent_name,
      body: { role: "agent", parts: [{ kind: "text", text: "review my diff" }], metadata: { pr: 7 } },
      metadata: { thread: "t1" },
      delivery: "inbox",
    });
    expect(first.messages[0].delivered_at).toEqual(expect.any(String));
    expect(first.next_after_seq).toBe(sent.seq);

    expect((await c.ok("fetch_agent_messages", { agent_name: bob.agent_name })).messages).toHaveLength(0);
    const again = await c.ok("fetch_agent_messages", { agent_name: bob.agent_name, after_seq: 0 });
    expect(again.messages.map((m: any) => m.message_id)).toEqual([sent.message_id]);
    expect(again.messages[0].delivered_at).toBe(first.messages[0].delivered_at);
    expect((await listed()).unread).toBe(0);
  });

  it("after_seq pages an inbox in order; limit bounds a page", async () => {
    const c = await connect();
    const dana = await agent(c, "streaming", "completed");
    const seqs: number[] = [];
    for (const text of ["one", "two", "three"]) {
      const sent = await c.ok("send_agent_message", {
        to_agent_name: dana.agent_name,
        message: { parts: [{ kind: "text", text }] },
      });
      expect(sent.delivery).toBe("inbox");
      seqs.push(sent.seq);
    }
    const page1 = await c.ok("fetch_agent_messages", { agent_name: dana.agent_name, limit: 2 });
    expect(page1.messages.map((m: any) => m.body.parts[0].text)).toEqual(["one", "two"]);
    expect(page1.unread).toBe(1);
    const page2 = await c.ok("fetch_agent_messages", {
      agent_name: dana.agent_name,
      after_seq: page1.next_after_seq,
    });
    expect(page2.messages.map((m: any) => m.seq)).toEqual([seqs[2]]);
    expect(page2.unread).toBe(0);
    // A message without a sender has none.
    expect(page2.messages[0]).toMatchObject({ from_agent_name: null, from_session_id: null, metadata: {} });
  });

  it('deliver "continue" continues an input_required run with the message', async () => {
    const c = await connect();
    const asking = await agent(c, "inputRequired", "input_required");
    const sent = await c.ok("send_agent_message", {
      to_agent_name: asking.agent_name,
      message: { role: "user", parts: [{ type: "text", text: "Ada" }] },
      deliver: "continue",
    });
    expect(sent).toMatchObject({ delivery: "continue", run_id: asking.run_id });
    const done = await waitForStatus(c, asking.run_id, ["completed"]);
    expect(done.result.structured_output).toEqual({ answer: "Ada" });
    const added = (await drainEvents(c, asking.run_id)).filter((e) => e.type === "message_added");
    expect(added).toHaveLength(1);
    expect(added[0].data.agent_message).toMatchObject({ message_id: sent.message_id, delivery: "continue" });

    // The run took it as input: nothing unread, but the inbox keeps it for a cursor.
    expect((await c.ok("fetch_agent_messages", { agent_name: asking.agent_name })).messages).toHaveLength(0);
    const kept = await c.ok("fetch_agent_messages", { agent_name: asking.agent_name, after_seq: 0 });
    expect(kept.messages).toMatchObject([{ message_id: sent.message_id, delivery: "continue" }]);
  });

  it('without "continue", or when the newest run is not input_required, the message waits in the inbox', async () => {
    const c = await connect();
    const asking = await agent(c, "inputRequired", "input_required");
    const inbox = await c.ok("send_agent_message", {
      to_agent_name: asking.agent_name,
      message: { parts: [{ type: "text", text: "later" }] },
    });
    expect(inbox.delivery).toBe("inbox");
    expect((await c.ok("get_run", { run_id: asking.run_id })).status).toBe("input_required");

    const finished = await agent(c, "streaming", "completed");
    const toFinished = await c.ok("send_agent_message", {
      to_agent_name: finished.agent_name,
      message: { parts: [{ type: "text", text: "are you there?" }] },
      deliver: "continue",
    });
    expect(toFinished.delivery).toBe("inbox");
    expect((await c.ok("get_run", { run_id: finished.run_id })).status).toBe("completed");
    expect((await c.ok("fetch_agent_messages", { agent_name: finished.agent_name })).messages).toHaveLength(
      1,
    );
  });
});

describe('deliver "continue" to a run a runner holds', () => {
  it("reaches the runner as run.continue; with the runner gone it waits in the inbox", async () => {
    const c = await connect();
    const agent_name = unique("local");
    const { runner, runId } = await runnerWithRun(c, "mail", { agent_name });
    const ask = (from: number) =>
      runner.outputs(runId, from, [{ type: "input_required", data: { message: "which branch?" } }]);
    runner.outputs(runId, 1, [{ type: "run_started", data: {} }]);
    ask(2);
    await waitForStatus(c, runId, ["input_required"]);
    const sent = await c.ok("send_agent_message", {
      to_agent_name: agent_name,
      message: { role: "user", parts: [{ type: "text", text: "main" }] },
      deliver: "continue",
    });
    expect(sent.delivery).toBe("continue");
    const frame = await runner.next("run.continue", (f) => f.run_id === runId);
    expect(frame.message).toEqual({ role: "user", parts: [{ kind: "text", text: "main" }] });

    ask(3);
    await waitForStatus(c, runId, ["input_required"]);
    runner.close();
    const held = await c.ok("send_agent_message", {
      to_agent_name: agent_name,
      message: { parts: [{ type: "text", text: "develop" }] },
      deliver: "continue",
    });
    expect(held.delivery).toBe("inbox");
    expect((await c.ok("get_run", { run_id: runId })).status).toBe("input_required");
    const unread = await c.ok("fetch_agent_messages", { agent_name });
    expect(unread.messages.map((m: any) => m.message_id)).toEqual([held.message_id]);
  });
});

describe("list_agents", () => {
  it("shows each agent's newest run — a resumed session keeps its name — and filters on it", async () => {
    const c = await connect();
    const first = await agent(c, "streaming", "completed");
    const next = await c.ok("continue_run", { agent_name: first.agent_name, prompt: "again" });
    expect(next).toMatchObject({ mode: "new_run", agent_name: first.agent_name });
    await waitForStatus(c, next.run_id, ["completed"]);
    const asking = await agent(c, "inputRequired", "input_required");

    const all = (await c.ok("list_agents", { limit: 500 })).agents;
    expect(all.find((a: any) => a.agent_name === first.agent_name)).toMatchObject({
      session_id: first.session_id,
      last_run_id: next.run_id,
      status: "completed",
      backend: "remote_a2a",
      role: "worker",
      unread: 0,
    });
    const waiting = (await c.ok("list_agents", { status: "input_required", limit: 500 })).agents;
    expect(waiting.map((a: any) => a.agent_name)).toContain(asking.agent_name);
    expect(waiting.map((a: any) => a.agent_name)).not.toContain(first.agent_name);
    expect((await c.ok("list_agents", { backend: "codex" })).agents).toEqual([]);

    // Paging walks every agent once, in name order.
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.ok("list_agents", { limit: 2, ...(cursor ? { cursor } : {}) });
      names.push(...page.agents.map((a: any) => a.agent_name));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(names).toEqual(all.map((a: any) => a.agent_name));
    expect(names).toEqual([...names].sort());
  });
});
