// What agent messages refuse and keep apart: another tenant's agents behave as agents that do not
// exist, bad arguments are refused naming the field with nothing stored, a message's size and an
// inbox's unread count are bounded, the tenant's inbox bytes drop read messages first, and a
// secret of a live run never reaches the inbox or the event log.
import { describe, expect, it } from "vitest";
import { AgentInbox, type NewAgentMessage } from "../../worker/agents/agent-inbox.ts";
import {
  agentUrl,
  connect,
  drainEvents,
  spawnA2aRun,
  waitForStatus,
  type TestClient,
} from "./support/mcp.ts";
import { inboxRows, runStorage, withSql } from "./support/storage.ts";

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
const text = (t: string) => ({ parts: [{ type: "text", text: t }] });

async function finishedAgent(c: TestClient, prefix: string) {
  const agent_name = unique(prefix);
  const run = await spawnA2aRun(c, "streaming", { agent_name });
  await waitForStatus(c, run.run_id, ["completed"]);
  return { agent_name, run_id: run.run_id as string };
}

describe("agent messages between tenants", () => {
  it("another tenant's agent is not found by any messaging tool, and nothing is stored", async () => {
    const a = await connect("test-token-acme");
    const b = await connect("test-token-globex");
    const mine = await finishedAgent(a, "acme-only");
    const theirs = await finishedAgent(b, "globex-own");
    const acmeBefore = (await inboxRows("acme")).length;
    const globexBefore = (await inboxRows("globex")).length;

    const calls: [string, Record<string, unknown>, string][] = [
      ["send_agent_message", { to_agent_name: mine.agent_name, message: text("hi") }, "to_agent_name"],
      [
        "send_agent_message",
        { to_agent_name: theirs.agent_name, from_agent_name: mine.agent_name, message: text("hi") },
        "from_agent_name",
      ],
      ["fetch_agent_messages", { agent_name: mine.agent_name }, "agent_name"],
    ];
    for (const [tool, args, field] of calls) {
      const error = await b.err(tool, args);
      expect([error.code, error.field], tool).toEqual(["not_found", field]);
      expect(error.message).toContain(`no agent "${mine.agent_name}"`);
    }
    const listed = (await b.ok("list_agents", { limit: 500 })).agents.map((x: any) => x.agent_name);
    expect(listed).toContain(theirs.agent_name);
    expect(listed).not.toContain(mine.agent_name);
    expect(await inboxRows("acme")).toHaveLength(acmeBefore);
    expect(await inboxRows("globex")).toHaveLength(globexBefore);
  });
});

describe("agent message arguments", () => {
  it("bad arguments are refused naming the field, and nothing is stored", async () => {
    const c = await connect();
    const to = await finishedAgent(c, "strict");
    const before = (await inboxRows()).length;
    const cases: [string, Record<string, unknown>, string, string][] = [
      ["send_agent_message", { message: text("x") }, "to_agent_name", "bad_request"],
      [
        "send_agent_message",
        { to_agent_name: "no spaces", message: text("x") },
        "to_agent_name",
        "bad_request",
      ],
      ["send_agent_message", { to_agent_name: to.agent_name }, "message", "bad_request"],
      [
        "send_agent_message",
        { to_agent_name: to.agent_name, message: { parts: [] } },
        "message.parts",
        "bad_request",
      ],
      [
        "send_agent_message",
        { to_agent_name: to.agent_name, message: text("x"), deliver: "later" },
        "deliver",
        "bad_request",
      ],
      [
        "send_agent_message",
        { to_agent_name: to.agent_name, message: text("x"), cwd: "rel" },
        "cwd",
        "bad_request",
      ],
      [
        "send_agent_message",
        { to_agent_name: to.agent_name, message: text("x"), urgent: true },
        "urgent",
        "bad_request",
      ],
      [
        "send_agent_message",
        { to_agent_name: to.agent_name, message: text("x"), from_agent_name: "nobody-anywhere" },
        "from_agent_name",
        "not_found",
      ],
      [
        "send_agent_message",
        { to_agent_name: "nobody-anywhere", message: text("x") },
        "to_agent_name",
        "not_found",
      ],
      [
        "send_agent_message",
        { to_agent_name: to.agent_name, message: text("x"), cwd: "/elsewhere" },
        "to_agent_name",
        "not_found",
      ],
      ["fetch_agent_messages", { agent_name: to.agent_name, after_seq: -1 }, "after_seq", "bad_request"],
      ["fetch_agent_messages", { agent_name: to.agent_name, limit: 0 }, "limit", "bad_request"],
      ["fetch_agent_messages", {}, "agent_name", "bad_request"],
      ["list_agents", { status: "sleeping" }, "status", "bad_request"],
      ["list_agents", { limit: 501 }, "limit", "bad_request"],
    ];
    for (const [tool, args, field, code] of cases) {
      const error = await c.err(tool, args);
      expect([error.code, error.field], `${tool} ${JSON.stringify(args)}`).toEqual([code, field]);
    }
    expect(await inboxRows()).toHaveLength(before);
  });

  it("a message over 64 KiB is refused; an inbox holds at most 100 unread messages until fetched", async () => {
    const c = await connect();
    const to = await finishedAgent(c, "full");
    const big = await c.err("send_agent_message", {
      to_agent_name: to.agent_name,
      message: text("x".repeat(70_000)),
    });
    expect([big.code, big.field]).toEqual(["bad_request", "message"]);

    for (let i = 0; i < 100; i++)
      await c.ok("send_agent_message", { to_agent_name: to.agent_name, message: text(`m${i}`) });
    const over = await c.err("send_agent_message", { to_agent_name: to.agent_name, message: text("m100") });
    expect([over.code, over.field]).toEqual(["budget_exceeded", "to_agent_name"]);
    const rows = (await inboxRows()).filter((r) => r.to_agent_name === to.agent_name);
    expect(rows).toHaveLength(100);

    const fetched = await c.ok("fetch_agent_messages", { agent_name: to.agent_name, limit: 1000 });
    expect(fetched.messages).toHaveLength(100);
    await c.ok("send_agent_message", { to_agent_name: to.agent_name, message: text("m100") });
  });
});

describe("agent message redaction", () => {
  it("a live run's secret is redacted in the inbox, the fetched message and the event log", async () => {
    const c = await connect();
    const secret = `sekrit-${crypto.randomUUID()}`;
    const agent_name = unique("guarded");
    const run = await c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      agent_name,
      backend_config: { agent_url: agentUrl("inputRequired"), auth_token: secret },
    });
    await waitForStatus(c, run.run_id, ["input_required"]);
    await c.ok("send_agent_message", {
      to_agent_name: agent_name,
      message: {
        parts: [
          { type: "text", text: `the token is ${secret}` },
          { type: "data", data: { t: secret } },
        ],
      },
      metadata: { leaked: secret },
    });
    const fetched = await c.ok("fetch_agent_messages", { agent_name });
    expect(fetched.messages[0].body.parts).toEqual([
      { kind: "text", text: "the token is [redacted]" },
      { kind: "data", data: { t: "[redacted]" } },
    ]);
    expect(fetched.messages[0].metadata).toEqual({ leaked: "[redacted]" });
    // Sent by the guarded agent to one without secrets: the sender's run redacts it.
    const other = await finishedAgent(c, "plain");
    await c.ok("send_agent_message", {
      from_agent_name: agent_name,
      to_agent_name: other.agent_name,
      message: text(`psst ${secret}`),
    });
    const got = await c.ok("fetch_agent_messages", { agent_name: other.agent_name });
    expect(got.messages[0].body.parts).toEqual([{ kind: "text", text: "psst [redacted]" }]);
    expect(JSON.stringify(await inboxRows())).not.toContain(secret);
    expect(JSON.stringify(await drainEvents(c, other.run_id))).not.toContain(secret);
    await c.ok("cancel_run", { run_id: run.run_id });
    const events = await drainEvents(c, run.run_id);
    const noted = events.find((e) => e.type === "message_added");
    expect(noted.data.parts[0]).toEqual({ kind: "text", text: "the token is [redacted]" });
    expect(JSON.stringify(events)).not.toContain(secret);
    // Only the run's private secrets row held it, and that goes when the run ends.
    expect(await runStorage(run.run_id)).not.toContain(secret);
  });
});

describe("the tenant's inbox bytes", () => {
  const message = (to: string, i: number, size: number): NewAgentMessage => ({
    message_id: `msg_${to}_${i}`,
    to_agent_name: to,
    to_session_id: "ses_x",
    from_agent_name: null,
    from_session_id: null,
    created_at: new Date(0).toISOString(),
    body: { role: "user", parts: [{ kind: "text", text: "x".repeat(size) }] },
    metadata: {},
  });

  it("drop the oldest read messages first, and refuse when unread ones fill them", () =>
    withSql(async (sql) => {
      const inbox = new AgentInbox(sql, { unreadPerAgent: 100, tenantBytes: 4_000 });
      for (let i = 0; i < 3; i++) inbox.add(message("a", i, 1_000));
      expect(inbox.fetch("a", undefined, 2, "t")).toHaveLength(2); // a0 and a1 read
      inbox.add(message("b", 0, 1_000)); // over 4000 bytes: a0 and a1 go, unread a2 stays
      const left = sql.exec("SELECT message_id FROM agent_messages ORDER BY seq").toArray();
      expect(left.map((r) => r.message_id)).toEqual(["msg_a_2", "msg_b_0"]);
      inbox.add(message("b", 1, 1_000));
      expect(() => inbox.add(message("b", 2, 1_500))).toThrow(
        expect.objectContaining({ code: "budget_exceeded" }),
      );
      expect(sql.exec("SELECT COUNT(*) AS n FROM agent_messages").one().n).toBe(3);
    }));
});
