// Placement by the runners' roots, through the real Worker: a run goes only to a runner with a
// root containing its cwd, waits queued (saying so) while none has one, and a bad root is refused.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/frames.ts";
import { RunnerTable } from "../../worker/runners/runner-table.ts";
import { openTenantStorage } from "../../worker/storage/tenant-storage.ts";
import { connect, waitForStatus } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const done = [
  { type: "run_started", data: {} },
  { type: "run_completed", data: { final_response: "ok" } },
];

describe("placement by roots", () => {
  it("waits queued while no runner's root contains the cwd, then goes to the one that connects with it", async () => {
    const c = await connect();
    // "/srv/work/a" shares a prefix with the cwd's "/srv/work/abc" but does not contain it.
    const narrow = await ScriptedRunner.connect({ name: "roots-narrow", roots: ["/srv/work/a", "/opt"] });
    await narrow.next("runner.welcome");
    const run = await c.ok("spawn_run", { backend: "codex", prompt: "x", cwd: "/srv/work/abc/repo" });
    const queued = await c.ok("get_run", { run_id: run.run_id });
    expect(queued.status).toBe("queued");
    expect(queued.status_reason).toContain("no connected runner has one");
    expect(queued.status_reason).toContain("cwd /srv/work/abc/repo");
    expect(queued.status_reason).toContain("/srv/work/a, /opt");

    // Written with `..` and a trailing slash: normalised to /srv/work/abc.
    const wide = await ScriptedRunner.connect({ name: "roots-wide", roots: ["/srv/work/x/../abc/"] });
    const dispatch = await wide.next("run.dispatch");
    expect(dispatch).toMatchObject({ run_id: run.run_id, cwd: "/srv/work/abc/repo" });
    wide.outputs(run.run_id, 1, done);
    expect((await waitForStatus(c, run.run_id, ["completed"])).remote_ref.runner).toBe("roots-wide");
    expect(narrow.frames.filter((f) => f.type === "run.dispatch")).toHaveLength(0);
    narrow.close();
    wide.close();
  });

  it("a run naming a runner whose roots do not contain the cwd waits instead of being refused", async () => {
    const c = await connect();
    const runner = await ScriptedRunner.connect({ name: "roots-named", roots: ["/home/dev/src"] });
    await runner.next("runner.welcome");
    const run = await c.ok("spawn_run", {
      backend: "codex",
      prompt: "x",
      cwd: "/etc",
      backend_config: { runner: "roots-named" },
    });
    const queued = await c.ok("get_run", { run_id: run.run_id });
    expect(queued.status).toBe("queued");
    expect(queued.status_reason).toContain("no connected runner has one");
    // A run without a cwd works in the runner's first root: any runner takes it.
    const anywhere = await c.ok("spawn_run", { backend: "codex", prompt: "y" });
    expect((await runner.next("run.dispatch")).run_id).toBe(anywhere.run_id);
    expect(runner.frames.filter((f) => f.type === "run.dispatch")).toHaveLength(0);
    runner.close();
  });

  it.each([[["relative/dir"]], [[]], [["/ok", "~/src"]]])(
    "a hello with roots %j is a bad frame",
    async (roots) => {
      const runner = await ScriptedRunner.connect({ name: "roots-bad", roots });
      await expect(runner.next("runner.welcome", () => true, 3_000)).rejects.toThrow(/4400/);
    },
  );

  it("a runner of the previous protocol (a hello without roots) is told to upgrade, not to retry", async () => {
    const old = await ScriptedRunner.connect({
      name: "roots-old",
      rewriteHello: ({ roots: _roots, instance: _instance, replace: _replace, ...v1 }) => ({
        ...v1,
        protocol: 1,
      }),
    });
    await expect(old.next("runner.welcome", () => true, 3_000)).rejects.toThrow(
      `socket closed (4426 runner protocol 1; this Switchyard speaks ${PROTOCOL_VERSION})`,
    );
  });

  it("local state from before roots were kept: the runner table gains the columns, old rows read as no roots", async () => {
    const tenants = (env as unknown as Env).TENANTS;
    await runInDurableObject(tenants.get(tenants.newUniqueId()), async (_object, state) => {
      const { sql } = state.storage;
      sql.exec(`CREATE TABLE runners (name TEXT PRIMARY KEY, connection_id TEXT, version TEXT NOT NULL,
        labels TEXT NOT NULL, max_runs INTEGER NOT NULL, backends TEXT NOT NULL, seen_ms INTEGER NOT NULL,
        gone_since_ms INTEGER)`);
      sql.exec("INSERT INTO runners VALUES ('old', NULL, '0.1.0', '{}', 1, '[]', 0, 5)");
      openTenantStorage(state.storage);
      const table = new RunnerTable(sql);
      expect(table.runner("old")).toMatchObject({ name: "old", roots: [], instance: "" });
      table.upsertRunner({
        name: "new",
        connection_id: "c",
        version: "0.1.0",
        labels: {},
        max_runs: 1,
        backends: [],
        roots: ["/src"],
        instance: "i",
        seen_ms: 1,
      });
      expect(table.connected()).toEqual([
        expect.objectContaining({ name: "new", roots: ["/src"], active: 0 }),
      ]);
      expect(() => openTenantStorage(state.storage)).not.toThrow();
    });
  });
});
