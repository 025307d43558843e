// A run token's scope: an orchestrating run's agent spawns only into its own run's tree (whose
// budgets apply), reads, waits on and cancels only the runs below its run, sees nothing else of
// the tenant, and its token is refused from the moment the run ends.
import { SELF, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env.ts";
import { agentUrl, connect, rpcHeaders, spawnA2aRun, waitForStatus } from "./support/mcp.ts";
import { postModern } from "./support/mcp-modern.ts";
import { completeOnRunner, orchestratingRun } from "./support/orchestrating-run.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";
import { RUN_TOKEN_SECRET, RUN_TOKEN_TOOLS, parseRunToken } from "../../shared/runs/run-token.ts";

const bindings = env as unknown as Env;

const a2aChild = (extra: Record<string, unknown> = {}) => ({
  backend: "remote_a2a",
  prompt: "go",
  backend_config: { agent_url: agentUrl("inputRequired") },
  ...extra,
});

/** A raw tools/list POST /mcp with `token`: its HTTP status. */
const listStatus = async (token: string) =>
  (
    await SELF.fetch("http://switchyard.test/mcp", {
      method: "POST",
      headers: rpcHeaders(token),
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    })
  ).status;

describe("run tokens: what an orchestrating run's agent may reach", () => {
  it("the dispatch carries a token naming the run; other runs' dispatches carry none", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    expect(parseRunToken(o.token)).toEqual({ tenant: "acme", run_id: o.runId });
    const plain = await c.ok("spawn_run", {
      backend: "codex",
      prompt: "no tools",
      cwd: "/w",
      backend_config: { runner: o.runner.name },
    });
    const dispatch = await o.runner.next("run.dispatch", (f) => f.run_id === plain.run_id);
    expect(Object.keys(dispatch.secrets)).toEqual([]);
  });

  it("lists only the run tools, and refuses the tenant's others naming the field", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const { tools } = await o.scoped.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...RUN_TOKEN_TOOLS].sort());
    for (const name of ["get_metrics", "manage_lane", "get_lane_activity", "list_available_backends"]) {
      const refused = await o.scoped.err(name, {});
      expect([refused.code, refused.field]).toEqual(["bad_request", "name"]);
    }
  });

  it("spawns children of its run only: parent forced, another parent or a lane refused", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const child = await o.scoped.ok("spawn_run", a2aChild());
    expect((await c.ok("get_run", { run_id: child.run_id })).parent_run_id).toBe(o.runId);
    expect((await c.ok("get_run", { run_id: o.runId })).child_run_ids).toEqual([child.run_id]);
    // Below its own child is still its tree.
    const grandchild = await o.scoped.ok("spawn_run", a2aChild({ parent_run_id: child.run_id }));
    expect((await c.ok("get_run", { run_id: grandchild.run_id })).parent_run_id).toBe(child.run_id);

    const stranger = await spawnA2aRun(c, "inputRequired");
    const before = (await c.ok("list_runs", { limit: 200 })).runs.length;
    const outside = await o.scoped.err("spawn_run", a2aChild({ parent_run_id: stranger.run_id }));
    expect([outside.code, outside.field]).toEqual(["not_found", "parent_run_id"]);
    const lane = await o.scoped.err("spawn_run", a2aChild({ lane_id: "any" }));
    expect([lane.code, lane.field]).toEqual(["bad_request", "lane_id"]);
    expect((await c.ok("list_runs", { limit: 200 })).runs.length).toBe(before);
  });

  it("reads, waits on, steers and cancels only its descendants", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const child = await o.scoped.ok("spawn_run", a2aChild());
    const stranger = await spawnA2aRun(c, "inputRequired");
    await waitForStatus(c, stranger.run_id, ["input_required"]);

    for (const runId of [stranger.run_id, o.runId]) {
      const calls: [string, Record<string, unknown>, string][] = [
        ["get_run", { run_id: runId }, "run_id"],
        ["poll_events", { run_id: runId }, "run_id"],
        ["cancel_run", { run_id: runId }, "run_id"],
        ["continue_run", { run_id: runId, prompt: "more" }, "run_id"],
        ["get_event_artifact", { run_id: runId, seq: 1, field_path: "/text" }, "run_id"],
        ["wait_runs", { run_ids: [child.run_id, runId], wait_ms: 0 }, "run_ids.1"],
        ["watch_runs", { runs: [{ run_id: child.run_id }, { run_id: runId }], wait_ms: 0 }, "runs.1.run_id"],
      ];
      for (const [name, args, field] of calls) {
        const refused = await o.scoped.err(name, args);
        expect([name, refused.code, refused.field]).toEqual([name, "not_found", field]);
      }
    }
    const agent = await o.scoped.err("get_run", { agent_name: stranger.agent_name });
    expect([agent.code, agent.field]).toEqual(["not_found", "agent_name"]);
    // The stranger was neither cancelled nor continued.
    expect((await c.ok("get_run", { run_id: stranger.run_id })).status).toBe("input_required");
    expect((await c.ok("get_run", { run_id: o.runId })).status).not.toBe("cancelled");

    await waitForStatus(o.scoped, child.run_id, ["input_required"]);
    expect((await o.scoped.ok("get_run", { agent_name: child.agent_name })).run_id).toBe(child.run_id);
    const waited = await o.scoped.ok("wait_runs", { run_ids: [child.run_id], wait_ms: 0 });
    expect(waited.runs.map((r: any) => r.run_id)).toEqual([child.run_id]);
    expect((await o.scoped.ok("cancel_run", { run_id: child.run_id })).status).toBe("cancelled");
  });

  it("list_runs shows its descendants and nothing else of the tenant", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const child = await o.scoped.ok("spawn_run", a2aChild());
    const grandchild = await o.scoped.ok("spawn_run", a2aChild({ parent_run_id: child.run_id }));
    await spawnA2aRun(c, "inputRequired");
    const { runs } = await o.scoped.ok("list_runs", { limit: 200 });
    expect(runs.map((r: any) => r.run_id).sort()).toEqual([child.run_id, grandchild.run_id].sort());
    const filtered = await o.scoped.ok("list_runs", { parent_run_id: child.run_id });
    expect(filtered.runs.map((r: any) => r.run_id)).toEqual([grandchild.run_id]);
  });

  it("the run tree's budgets apply to what it spawns", async () => {
    const c = await connect();
    const o = await orchestratingRun(c, { budget: { max_tree_runs: 2 } });
    await o.scoped.ok("spawn_run", a2aChild());
    const refused = await o.scoped.err("spawn_run", a2aChild());
    expect([refused.code, refused.field]).toEqual(["budget_exceeded", "budget.max_tree_runs"]);
    // Asking for a looser budget changes nothing: a spawn only tightens.
    const looser = await o.scoped.err("spawn_run", a2aChild({ budget: { max_tree_runs: 100 } }));
    expect(looser.code).toBe("budget_exceeded");
  });

  it("another caller's idempotency key, session or agent's session id is not reachable through a spawn", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const key = `k-${crypto.randomUUID()}`;
    const theirs = await c.ok("spawn_run", a2aChild({ idempotency_key: key }));
    const reused = await o.scoped.err("spawn_run", a2aChild({ idempotency_key: key }));
    expect([reused.code, reused.field]).toEqual(["conflict", "idempotency_key"]);
    expect(JSON.stringify(reused)).not.toContain(theirs.run_id);
    const resumed = await o.scoped.err(
      "spawn_run",
      a2aChild({ session_mode: "resume", session_id: theirs.session_id }),
    );
    expect([resumed.code, resumed.field]).toEqual(["not_found", "session_id"]);
    const named = await o.scoped.err("spawn_run", a2aChild({ agent_name: theirs.agent_name }));
    expect([named.code, named.field]).toEqual(["conflict", "agent_name"]);
    expect(named.message).not.toContain(theirs.session_id);
  });

  it("the token is refused on the first call after the run ends, and its hash is gone", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    expect(await listStatus(o.token)).toBe(200);
    const child = await o.scoped.ok("spawn_run", a2aChild());
    completeOnRunner(o);
    await waitForStatus(c, o.runId, ["completed"]);
    expect(await listStatus(o.token)).toBe(401);
    // The client connected while the run lived is refused too: every call is checked.
    await expect(
      o.scoped.client.callTool({ name: "get_run", arguments: { run_id: child.run_id } }),
    ).rejects.toThrow(/unauthorized/);
    const stub = bindings.RUNS.getByName(`acme/${o.runId}`);
    const kept = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec("SELECT key FROM sy_private WHERE key = 'run_token_hash'").toArray(),
    );
    expect(kept).toEqual([]);
  });

  it("a token the agent pastes into a child's prompt or a follow-up is not stored", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const child = await o.scoped.ok(
      "spawn_run",
      a2aChild({ prompt: `use ${o.token} to call back`, metadata: { note: `Bearer ${o.token}` } }),
    );
    await waitForStatus(o.scoped, child.run_id, ["input_required"]);
    await o.scoped.ok("continue_run", { run_id: child.run_id, prompt: `again: ${o.token}` });
    await o.scoped.ok("cancel_run", { run_id: child.run_id });
    const stub = bindings.RUNS.getByName(`acme/${child.run_id}`);
    const stored = await runInDurableObject(stub, (_i, state) =>
      JSON.stringify([
        state.storage.sql.exec("SELECT doc FROM sy_record").toArray(),
        state.storage.sql.exec("SELECT data FROM sy_events").toArray(),
      ]),
    );
    expect(stored).toContain("use [redacted] to call back");
    expect(stored).toContain("again: [redacted]");
    expect(stored).not.toContain(o.token.split("~").at(-1)!);
  });

  it("messages: it sends and fetches as its own agent, to and among its descendants' agents only", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const own = (await c.ok("get_run", { run_id: o.runId })).agent_name as string;
    const child = await o.scoped.ok("spawn_run", a2aChild());
    const stranger = await spawnA2aRun(c, "inputRequired");
    const hello = { role: "user", parts: [{ type: "text", text: "hello" }] };

    const sent = await o.scoped.ok("send_agent_message", { to_agent_name: child.agent_name, message: hello });
    expect(sent.to_agent_name).toBe(child.agent_name);
    const got = await c.ok("fetch_agent_messages", { agent_name: child.agent_name });
    expect(got.messages.map((m: any) => m.from_agent_name)).toEqual([own]);

    const forged = await o.scoped.err("send_agent_message", {
      to_agent_name: child.agent_name,
      from_agent_name: stranger.agent_name,
      message: hello,
    });
    expect([forged.code, forged.field]).toEqual(["bad_request", "from_agent_name"]);
    const outside = await o.scoped.err("send_agent_message", {
      to_agent_name: stranger.agent_name,
      message: hello,
    });
    expect([outside.code, outside.field]).toEqual(["not_found", "to_agent_name"]);
    expect((await c.ok("fetch_agent_messages", { agent_name: stranger.agent_name })).messages).toEqual([]);

    await c.ok("send_agent_message", { to_agent_name: own, message: hello });
    const mine = await o.scoped.ok("fetch_agent_messages", { agent_name: own });
    expect(mine.messages).toHaveLength(1);
    const theirs = await o.scoped.err("fetch_agent_messages", { agent_name: stranger.agent_name });
    expect([theirs.code, theirs.field]).toEqual(["bad_request", "agent_name"]);

    const { agents } = await o.scoped.ok("list_agents", { limit: 500 });
    expect(agents.map((a: any) => a.agent_name)).toEqual([child.agent_name]);
  });

  it("the 2026-07-28 era holds it to the same scope: its tool list, tasks of other runs not found", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const stranger = await spawnA2aRun(c, "inputRequired");
    const as = { headers: { authorization: `Bearer ${o.token}` } };
    const tasks = { ...as, capabilities: { extensions: { "io.modelcontextprotocol/tasks": {} } } };
    const listed = await postModern("tools/list", {}, as);
    expect(listed.result.tools.map((t: any) => t.name).sort()).toEqual([...RUN_TOKEN_TOOLS].sort());
    for (const method of ["tasks/get", "tasks/cancel"]) {
      const refused = await postModern(method, { taskId: stranger.run_id }, tasks);
      expect([method, refused.error?.data?.code, refused.error?.data?.field]).toEqual([
        method,
        "not_found",
        "taskId",
      ]);
    }
    expect((await c.ok("get_run", { run_id: stranger.run_id })).status).not.toBe("cancelled");
    const spawned = await postModern("tools/call", { name: "spawn_run", arguments: a2aChild() }, tasks);
    const child = spawned.result.taskId as string;
    expect((await c.ok("get_run", { run_id: child })).parent_run_id).toBe(o.runId);
    expect((await postModern("tasks/get", { taskId: child }, tasks)).result.taskId).toBe(child);
  });

  it("a run dispatched again gets a new token, and the one its lost dispatch carried is dead", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    o.runner.close();
    // A runner process takes the name without the run, which never reported anything: its
    // dispatch was lost with the link, and it is dispatched again.
    const back = await ScriptedRunner.connect({ name: o.runner.name, replace: true });
    const again = await back.next("run.dispatch", (f) => f.run_id === o.runId);
    const token = String(again.secrets[RUN_TOKEN_SECRET]);
    expect(token).not.toBe(o.token);
    expect(await listStatus(o.token)).toBe(401);
    expect(await listStatus(token)).toBe(200);
    back.close();
  });

  it("a forged token of the right shape is refused, and so is another tenant's name on it", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    const [, tenant, runId, secret] = o.token.split("~");
    const flipped = secret!.startsWith("A") ? `B${secret!.slice(1)}` : `A${secret!.slice(1)}`;
    expect(await listStatus(["syrun", tenant, runId, flipped].join("~"))).toBe(401);
    expect(await listStatus(["syrun", "globex", runId, secret].join("~"))).toBe(401);
    expect(await listStatus(["syrun", tenant, "run_000000000000000000000", secret].join("~"))).toBe(401);
    expect(await listStatus(o.token)).toBe(200);
  });
});
