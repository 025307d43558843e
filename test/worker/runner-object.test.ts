// Attacks on the runner's own object (RunnerObject, `<tenant>/<runner name>`): a handshake naming
// one runner and a hello another, a runner token of one tenant aiming at another tenant's runner,
// coalesced frames mixing a run the sender holds with runs it does not, and the object's tenant-only
// RPC looked for from the Worker's routes. Asserted on close codes, rows and frames received.
import { SELF, env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  RUNNER_NAME_HEADER,
  type RunOutputs,
} from "../../shared/protocol/frames.ts";
import type { Env } from "../../worker/env.ts";
import { runStub } from "../../worker/objects/stubs.ts";
import { connect, waitForStatus } from "./support/mcp.ts";
import { ScriptedRunner, runnerWithRun } from "./support/scripted-runner.ts";
import { ignoredFrames, runStorage, runnerObject, runsHeldBy } from "./support/storage.ts";

const tag = () => crypto.randomUUID().slice(0, 8);

/** Every row of every table a runner's object keeps (none at all for an object never reached). */
function objectRows(stub: DurableObjectStub): Promise<Record<string, unknown[]>> {
  return runInDurableObject(stub, (_instance: unknown, state: DurableObjectState) => {
    const { sql } = state.storage;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((t) => t.name)
      .filter((name) => !name.startsWith("_cf_"));
    return Object.fromEntries(tables.map((t) => [t, sql.exec(`SELECT * FROM "${t}"`).toArray()]));
  });
}

const connectedRunners = async (token?: string): Promise<string[]> =>
  (await (await connect(token)).ok("list_available_backends", {})).backends.flatMap(
    (b: { runners: { runner: string }[] }) => b.runners.map((r) => r.runner),
  );

describe("the runner's object", () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(() => warn.mockRestore());

  it("a hello naming another runner than the handshake is refused, and neither name is taken", async () => {
    const t = tag();
    const holder = await ScriptedRunner.connect({ name: `named-${t}` });
    await holder.next("runner.welcome");
    // Opened as `decoy-…` (its object), speaking as the live holder: refused before any welcome.
    const liar = await ScriptedRunner.connect({ name: `named-${t}`, handshakeName: `decoy-${t}` });
    await expect(liar.next("runner.welcome", () => true, 3_000)).rejects.toThrow(
      `socket closed (${CLOSE_CODES.wrong_name.code} the hello names runner "named-${t}"; this link was opened for "decoy-${t}")`,
    );
    expect(liar.received).toEqual([]);
    // The decoy's object took nothing: no link, no run. The holder is still the one live link.
    expect(await objectRows(runnerObject(`decoy-${t}`))).toMatchObject({
      runner_link: [],
      held_runs: [],
    });
    const runners = await connectedRunners();
    expect(runners).toContain(`named-${t}`);
    expect(runners).not.toContain(`decoy-${t}`);
    const c = await connect();
    const run = await c.ok("spawn_run", {
      backend: "codex",
      prompt: "x",
      backend_config: { runner: `named-${t}` },
    });
    expect((await holder.next("run.dispatch")).run_id).toBe(run.run_id);
    expect(holder.closed).toBeUndefined();
    holder.close();
  });

  it("a handshake naming no runner is refused at its hello, before any object is reached", async () => {
    const res = await SELF.fetch("http://switchyard.test/runner/connect", {
      headers: { upgrade: "websocket", authorization: "Bearer runner-token-acme" },
    });
    const socket = res.webSocket!;
    socket.accept();
    const closed = new Promise<{ code: number }>((resolve) =>
      socket.addEventListener("close", (e) => resolve({ code: e.code })),
    );
    socket.send(JSON.stringify({ type: "runner.hello", protocol: PROTOCOL_VERSION, name: "nameless" }));
    expect((await closed).code).toBe(CLOSE_CODES.wrong_name.code);
    expect(await objectRows(runnerObject("nameless"))).toEqual({});
  });

  it("a runner token of one tenant reaches only that tenant's runner objects, whatever name it gives", async () => {
    const t = tag();
    // globex's runner `shared-…` is live; acme's token connects under the same name and under
    // names that spell a path into globex's objects.
    const theirs = await ScriptedRunner.connect({ name: `shared-${t}`, token: "runner-token-globex" });
    await theirs.next("runner.welcome");
    const names = [`shared-${t}`, `../globex/shared-${t}`, `globex/shared-${t}`, `/globex/shared-${t}`];
    const ours = await Promise.all(names.map((name) => ScriptedRunner.connect({ name })));
    for (const runner of ours) expect((await runner.next("runner.welcome")).tenant).toBe("acme");

    // Each took a name of its own tenant: not refused as in use, not replacing globex's runner.
    expect(theirs.closed).toBeUndefined();
    expect(ours.map((r) => r.closed)).toEqual(names.map(() => undefined));
    const acme = await connectedRunners();
    const globex = await connectedRunners("test-token-globex");
    for (const name of names) expect(acme).toContain(name);
    expect(globex.filter((name) => name.includes(t))).toEqual([`shared-${t}`]);
    // globex's object of that name holds globex's one link; every acme name has an acme object.
    expect((await objectRows(runnerObject(`shared-${t}`, "globex"))).runner_link).toHaveLength(1);
    for (const name of names)
      expect((await objectRows(runnerObject(name, "acme"))).runner_link).toHaveLength(1);

    // A run of globex goes to globex's runner, never to acme's of the same name.
    const g = await connect("test-token-globex");
    const run = await g.ok("spawn_run", {
      backend: "codex",
      prompt: "x",
      backend_config: { runner: `shared-${t}` },
    });
    expect((await theirs.next("run.dispatch")).run_id).toBe(run.run_id);
    for (const runner of ours) expect(runner.frames.filter((f) => f.type === "run.dispatch")).toEqual([]);
    theirs.close();
    for (const runner of ours) runner.close();
  });

  it("a coalesced frame with runs the sender does not hold: only its own run's outputs land, the rest are counted", async () => {
    const c = await connect();
    const { runner: holder, runId: held } = await runnerWithRun(c, "mixed-holder");
    const { runner: other, runId: foreign } = await runnerWithRun(c, "mixed-other");
    const before = await runStorage(foreign);

    holder.send({
      type: "runs.outputs",
      runs: [
        {
          run_id: foreign,
          items: [{ source_seq: 1, output: { kind: "event", event: { type: "run_started", data: {} } } }],
        },
        {
          run_id: held,
          items: [{ source_seq: 1, output: { kind: "event", event: { type: "run_started", data: {} } } }],
        },
        { run_id: "no-such-run", items: [{ source_seq: 7, output: { kind: "ref", ref: { runner: "x" } } }] },
      ],
    });
    // Every run is acknowledged, in one frame: its own with what was stored, the others with the
    // sender's own number.
    expect((await holder.next("runs.ack")).acks).toEqual([
      { run_id: foreign, source_seq: 1 },
      { run_id: held, source_seq: 1 },
      { run_id: "no-such-run", source_seq: 7 },
    ]);

    expect(await ignoredFrames(holder.name)).toBe(2);
    expect(await ignoredFrames(other.name)).toBe(0);
    expect(await runStorage(foreign)).toBe(before);
    expect((await waitForStatus(c, held, ["running"])).status).toBe("running");
    expect(await runsHeldBy(holder.name)).toEqual([held]);
    expect(await runsHeldBy(other.name)).toEqual([foreign]);
    const logged = warn.mock.calls.filter((call) => String(call[0]).startsWith("runner frame ignored"));
    expect(logged.map((call) => (call[1] as { run_id: string }).run_id)).toEqual([foreign, "no-such-run"]);
    holder.close();
    other.close();
  });

  it("second line: a run's object stores relayed outputs only from the runner it was dispatched to", async () => {
    const c = await connect();
    const { runner, runId } = await runnerWithRun(c, "second-line");
    const run = await runStub(env as unknown as Env, "acme", runId);
    const items: RunOutputs["items"] = [
      { source_seq: 1, output: { kind: "event", event: { type: "run_started", data: {} } } },
    ];
    const before = await runStorage(runId);
    // Were a runner's object ever to relay for a run it does not hold, the run's object refuses it.
    expect(await run.ingest(items, `not-${runner.name}`)).toBeNull();
    expect(await runStorage(runId)).toBe(before);
    expect(await run.ingest(items, runner.name)).toBe(1);
    expect((await waitForStatus(c, runId, ["running"])).status).toBe("running");
    runner.close();
  });

  it("the object's tenant-only RPC is reached by no route: only the runner's WebSocket gets in", async () => {
    const c = await connect();
    const { runner, runId } = await runnerWithRun(c, "rpc-target");
    const cancel = JSON.stringify({ type: "run.cancel", run_id: runId });
    const attempts: [string, RequestInit][] = [
      [
        "/runner/connect",
        { method: "POST", body: cancel, headers: { authorization: "Bearer runner-token-acme" } },
      ],
      [
        "/runner/connect",
        { headers: { authorization: "Bearer runner-token-acme", [RUNNER_NAME_HEADER]: runner.name } },
      ],
      [
        "/runner/deliver",
        { method: "POST", body: cancel, headers: { authorization: "Bearer runner-token-acme" } },
      ],
      [`/runner/${runner.name}/deliver`, { method: "POST", body: cancel }],
    ];
    const receivedBefore = runner.received.length;
    const statuses: number[] = [];
    for (const [path, init] of attempts) {
      const res = await SELF.fetch(`http://switchyard.test${path}`, init);
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).toEqual([404, 426, 404, 404]);
    // Straight at the object, an HTTP request that is not the runner's own upgrade does nothing.
    const direct = await runnerObject(runner.name).fetch("http://runner/deliver", {
      method: "POST",
      body: cancel,
    });
    expect(direct.status).toBe(400);

    // The runner got no frame from any of it: the run is still its own and running.
    runner.outputs(runId, 1, [{ type: "run_started", data: {} }]);
    await runner.next("run.ack", (f) => f.run_id === runId);
    const since = runner.received.slice(receivedBefore).map((raw) => JSON.parse(raw) as { type: string });
    expect(since).toEqual([{ type: "run.ack", run_id: runId, source_seq: 1 }]);
    expect((await waitForStatus(c, runId, ["running"])).status).toBe("running");
    runner.close();
  });
});
