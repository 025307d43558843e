// Storage that evolves: a tenant and a run written by the release before schema versions open
// under the current code and read whole through the tools; opening again changes nothing; fresh
// storage gets the current schema at once; a failing step leaves the version where it was.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RunnerTable } from "../../worker/runners/runner-table.ts";
import { migrate, schemaVersion, type Schema } from "../../worker/storage/migrate.ts";
import { RUN_SCHEMA, openRunStorage } from "../../worker/storage/run-storage.ts";
import { TENANT_SCHEMA, openTenantStorage } from "../../worker/storage/tenant-storage.ts";
import { TOKENS, agentUrl, connect } from "./support/mcp.ts";
import { objects } from "./support/objects.ts";
import { BIG_TEXT, OLD, OLD_EVENTS, writeOldRun, writeOldTenant } from "./support/previous-release.ts";

/** Runs `body` on the storage of the named object of `ns`. */
function withStorage<T>(
  ns: DurableObjectNamespace,
  name: string,
  body: (storage: DurableObjectStorage) => T,
): Promise<T> {
  return runInDurableObject(ns.getByName(name), (_, state) => body(state.storage));
}

const tenant = <T>(name: string, body: (storage: DurableObjectStorage) => T) =>
  withStorage(objects.TENANTS as unknown as DurableObjectNamespace, name, body);
const run = <T>(name: string, body: (storage: DurableObjectStorage) => T) =>
  withStorage(objects.RUNS as unknown as DurableObjectNamespace, name, body);

/** Our tables (not the agents library's), each with its columns and indexes, in name order. */
function schemaOf(sql: SqlStorage) {
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'cf\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf%' ESCAPE '\\' ORDER BY name",
    )
    .toArray()
    .map((t) => t.name);
  return tables.map((name) => ({
    name,
    columns: sql
      .exec(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)`, name)
      .toArray(),
    indexes: sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name", name)
      .toArray(),
  }));
}

/** Every row of every table of ours, for "opening again changes nothing". */
function contentsOf(sql: SqlStorage) {
  return schemaOf(sql).map(({ name }) => ({
    name,
    rows: sql.exec(`SELECT * FROM ${name} ORDER BY 1`).toArray(),
  }));
}

describe("storage written by the release before schema versions", () => {
  it("opens under the current code and reads whole through the tools", async () => {
    // The previous release's rows, written before the current code touches either object.
    await tenant("globex", (storage) => {
      expect(schemaOf(storage.sql)).toEqual([]);
      writeOldTenant(storage.sql);
    });
    await run(`globex/${OLD.run_id}`, (storage) => {
      expect(schemaOf(storage.sql)).toEqual([]);
      writeOldRun(storage.sql);
    });
    // The new code is deployed: both objects start again.
    await abortAllDurableObjects();

    const c = await connect(TOKENS.globex);
    const listed = await c.ok("list_runs", {});
    expect(listed.runs).toEqual([
      expect.objectContaining({
        run_id: OLD.run_id,
        status: "completed",
        agent_name: OLD.agent_name,
        session_id: OLD.session_id,
        lane_id: OLD.lane_id,
        summary: OLD.final_response,
        last_seq: OLD_EVENTS.length,
      }),
    ]);

    const got = await c.ok("get_run", { run_id: OLD.run_id });
    expect(got).toMatchObject({
      run_id: OLD.run_id,
      status: "completed",
      terminal: true,
      placement: "edge",
      runner: null,
      lane_id: OLD.lane_id,
      metadata: { from: "38630b5" },
      result: {
        final_response: OLD.final_response,
        usage: OLD.usage,
        // The two chunks joined as one artifact, the seqs of its events found again.
        artifacts: [
          {
            artifact_id: "notes",
            name: "notes.md",
            text: "# Notes\nall of them",
            parts: [],
            chunks: 2,
            last_chunk: true,
            first_seq: 3,
            last_seq: 4,
          },
          {
            artifact_id: "big",
            text: BIG_TEXT.slice(0, 2048),
            text_ref: { total_bytes: BIG_TEXT.length, mime: "text/plain; charset=utf-8", chunk_count: 1 },
            parts: [],
            chunks: 1,
            first_seq: 5,
            last_seq: 5,
          },
        ],
      },
    });
    // The text past the record's bound went to the joined text's rows, and reads back whole.
    const big = await c.ok("get_event_artifact", { run_id: OLD.run_id, artifact_id: "big" });
    expect(big).toMatchObject({ text: BIG_TEXT, total_bytes: BIG_TEXT.length, has_more: false });
    const byName = await c.ok("get_run", { agent_name: OLD.agent_name });
    expect(byName.run_id).toBe(OLD.run_id);

    const polled = await c.ok("poll_events", { run_id: OLD.run_id, after_seq: 0 });
    expect(polled.events.map((e: { seq: number; type: string }) => [e.seq, e.type])).toEqual(
      OLD_EVENTS.map(([type], i) => [i + 1, type]),
    );
    expect(polled.events[1].data).toMatchObject({ text: "working on it" });

    const metrics = await c.ok("get_metrics", { group_by: "lane" });
    expect(metrics.groups).toEqual([
      expect.objectContaining({
        key: OLD.lane_id,
        runs: 1,
        outcomes: expect.objectContaining({ completed: 1, live: 0 }),
        input_tokens: OLD.usage.input_tokens,
        cached_input_tokens: OLD.usage.cached_input_tokens,
        output_tokens: OLD.usage.output_tokens,
        reasoning_tokens: OLD.usage.reasoning_tokens,
        total_tokens: OLD.usage.total_tokens,
        cost_usd: OLD.usage.cost_usd,
        turns: 1,
        usage_unreported_runs: 0,
        duration_ms: { p50: 5_000, p95: 5_000 },
      }),
    ]);

    const activity = await c.ok("get_lane_activity", { lane_id: OLD.lane_id });
    expect(activity).toMatchObject({
      lane: { lane_id: OLD.lane_id, title: "Old lane", status: "active", review: { backend: "remote_a2a" } },
      latest_worker_result: { run_id: OLD.run_id, final_response: OLD.final_response },
      reviews: [
        {
          reviewer_run_id: OLD.reviewer_run_id,
          worker_run_id: OLD.run_id,
          verdict: "pass_with_findings",
          findings: [OLD.finding],
        },
      ],
      open_findings: [OLD.finding],
    });

    // The previous release's agent name is still taken; a new run is written beside the old one.
    const taken = await c.err("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      agent_name: OLD.agent_name,
      backend_config: { agent_url: agentUrl("streaming") },
    });
    expect(taken).toMatchObject({ code: "conflict", field: "agent_name" });
    const fresh = await c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      backend_config: { agent_url: agentUrl("streaming") },
    });
    expect((await c.ok("list_runs", {})).runs.map((r: { run_id: string }) => r.run_id)).toEqual([
      fresh.run_id,
      OLD.run_id,
    ]);
    await c.close();

    await tenant("globex", (storage) => {
      const { sql } = storage;
      expect(schemaVersion(sql, TENANT_SCHEMA.name)).toBe(TENANT_SCHEMA.steps.length);
      // The gone runner and its queued run, read through the current table module.
      const runners = new RunnerTable(sql);
      expect(runners.runner(OLD.runner)).toMatchObject({
        name: OLD.runner,
        labels: { os: "linux" },
        roots: [],
        instance: "",
        backends: [{ backend: "codex", installed: true, credentials: "configured" }],
      });
      expect(runners.connected()).toEqual([]);
      expect(sql.exec("SELECT run_id, runner_name FROM runner_runs").toArray()).toEqual([
        { run_id: OLD.queued_run_id, runner_name: null },
      ]);
      const before = contentsOf(sql);
      expect(openTenantStorage(storage)).toBe(sql);
      expect(contentsOf(sql)).toEqual(before);
    });
    await run(`globex/${OLD.run_id}`, (storage) => {
      expect(schemaVersion(storage.sql, RUN_SCHEMA.name)).toBe(RUN_SCHEMA.steps.length);
      const before = contentsOf(storage.sql);
      openRunStorage(storage);
      expect(contentsOf(storage.sql)).toEqual(before);
    });
  });

  it("ends with the same tables, columns and indexes as fresh storage", async () => {
    const fresh = {
      tenant: await tenant("fresh-tenant", (s) => (openTenantStorage(s), schemaOf(s.sql))),
      run: await run("fresh/run", (s) => (openRunStorage(s), schemaOf(s.sql))),
    };
    const migrated = {
      tenant: await tenant(
        "old-tenant",
        (s) => (writeOldTenant(s.sql), openTenantStorage(s), schemaOf(s.sql)),
      ),
      run: await run("old/run", (s) => (writeOldRun(s.sql), openRunStorage(s), schemaOf(s.sql))),
    };
    expect(migrated).toEqual(fresh);
    // A new RunObject migrates knowing its storage is empty: one call per step, no version lookup.
    const knownFresh = await run("known-fresh/run", (s) => {
      openRunStorage(s, true);
      return { schema: schemaOf(s.sql), version: schemaVersion(s.sql, RUN_SCHEMA.name) };
    });
    expect(knownFresh).toEqual({ schema: fresh.run, version: RUN_SCHEMA.steps.length });
    expect(fresh.tenant.map((t) => t.name)).toEqual([
      "agent_messages",
      "agents",
      "dashboard_links",
      "dashboard_sessions",
      "idempotency",
      "lane_cycles",
      "lane_item_secrets",
      "lane_items",
      "lane_landings",
      "lane_notify_secrets",
      "lane_runs",
      "lanes",
      "review_policies",
      "reviews",
      "runner_ended",
      "runner_ignored",
      "runner_runs",
      "runners",
      "runs",
      "sessions",
      // SQLite's own: AUTOINCREMENT keeps agent_messages' seq rising even after the newest row goes.
      "sqlite_sequence",
      "sy_schema",
      "tenant_notify",
      "trees",
    ]);
    expect(fresh.run.map((t) => t.name)).toEqual([
      "sy_chunks",
      "sy_events",
      "sy_notify",
      "sy_outbox",
      "sy_private",
      "sy_record",
      "sy_schema",
    ]);
  });

  it("storage the last unversioned code patched in place (columns added where missing) opens too", () =>
    tenant("patched-tenant", (storage) => {
      const { sql } = storage;
      writeOldTenant(sql);
      // What that code's addMissingColumns and runner-table column check did on start.
      sql.exec("ALTER TABLE runs ADD COLUMN change_version INTEGER NOT NULL DEFAULT 0");
      sql.exec("ALTER TABLE runs ADD COLUMN end_handled INTEGER NOT NULL DEFAULT 0");
      sql.exec("ALTER TABLE runners ADD COLUMN roots TEXT NOT NULL DEFAULT '[]'");
      sql.exec("ALTER TABLE runners ADD COLUMN instance TEXT NOT NULL DEFAULT ''");
      sql.exec("UPDATE runs SET change_version = 7 WHERE run_id = ?", OLD.run_id);
      expect(schemaVersion(sql, TENANT_SCHEMA.name)).toBe(0);
      expect(migrate(storage, TENANT_SCHEMA)).toEqual({ from: 0, to: TENANT_SCHEMA.steps.length });
      expect(sql.exec("SELECT change_version FROM runs").toArray()).toEqual([{ change_version: 7 }]);
      expect(sql.exec("SELECT COUNT(*) AS n FROM runner_ended").one().n).toBe(0);
    }));
});

describe("a run the last unversioned code wrote", () => {
  it("keeps its record as it is: already joined, its runner named", () =>
    run("globex/run_000000000unversioned1", (storage) => {
      const { sql } = storage;
      writeOldRun(sql);
      const joined = {
        artifact_id: "notes",
        text: "# Notes\nall of them",
        parts: [],
        chunks: 2,
        first_seq: 3,
        last_seq: 4,
      };
      const record = { ...JSON.parse(sql.exec<{ doc: string }>("SELECT doc FROM sy_record").one().doc) };
      record.runner = "r1";
      record.result = { ...record.result, artifacts: [joined] };
      const doc = JSON.stringify(record);
      sql.exec("UPDATE sy_record SET doc = ?", doc);
      openRunStorage(storage);
      expect(sql.exec<{ doc: string }>("SELECT doc FROM sy_record").one().doc).toBe(doc);
      expect(sql.exec("SELECT COUNT(*) AS n FROM sy_chunks WHERE seq = 0").one().n).toBe(0);
    }));
});

describe("the migration runner", () => {
  it("gives fresh storage the current version at once, and a second open runs nothing", () =>
    tenant("fresh-versions", (storage) => {
      expect(schemaVersion(storage.sql, TENANT_SCHEMA.name)).toBe(0);
      expect(migrate(storage, TENANT_SCHEMA)).toEqual({ from: 0, to: TENANT_SCHEMA.steps.length });
      const to = TENANT_SCHEMA.steps.length;
      expect(migrate(storage, TENANT_SCHEMA)).toEqual({ from: to, to });
      expect(schemaVersion(storage.sql, TENANT_SCHEMA.name)).toBe(to);
    }));

  const probe = (...steps: Schema["steps"]): Schema => ({ name: "probe", steps });
  const tableNames = (sql: SqlStorage) =>
    sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name LIKE 'probe_%' ORDER BY name")
      .toArray()
      .map((t) => t.name);

  it("a step that fails rolls back every pending step and leaves the version where it was", () =>
    run("probe/failing", (storage) => {
      const { sql } = storage;
      expect(migrate(storage, probe("CREATE TABLE probe_a (x INTEGER)"))).toEqual({ from: 0, to: 1 });
      sql.exec("INSERT INTO probe_a VALUES (1)");
      const failing = probe(
        "CREATE TABLE probe_a (x INTEGER)",
        "CREATE TABLE probe_b (x INTEGER); INSERT INTO probe_a VALUES (2)",
        (s) => {
          s.exec("INSERT INTO probe_a VALUES (3)");
          throw new Error("step 3 breaks");
        },
      );
      expect(() => migrate(storage, failing)).toThrow("step 3 breaks");
      expect(schemaVersion(sql, "probe")).toBe(1);
      expect(tableNames(sql)).toEqual(["probe_a"]);
      expect(sql.exec("SELECT x FROM probe_a").toArray()).toEqual([{ x: 1 }]);
      // A failing SQL statement does the same, and the next start tries again.
      expect(() =>
        migrate(storage, probe("CREATE TABLE probe_a (x INTEGER)", "INSERT INTO no_such VALUES (1)")),
      ).toThrow();
      expect(schemaVersion(sql, "probe")).toBe(1);
      expect(
        migrate(storage, probe("CREATE TABLE probe_a (x INTEGER)", "CREATE TABLE probe_c (x INTEGER)")),
      ).toEqual({
        from: 1,
        to: 2,
      });
      expect(tableNames(sql)).toEqual(["probe_a", "probe_c"]);
    }));

  it("fresh storage whose first steps fail keeps no version and no tables", () =>
    run("probe/failing-fresh", (storage) => {
      expect(() =>
        migrate(storage, probe("CREATE TABLE probe_a (x INTEGER)", "SELECT nonsense FROM")),
      ).toThrow();
      expect(schemaVersion(storage.sql, "probe")).toBe(0);
      expect(tableNames(storage.sql)).toEqual([]);
    }));

  it("storage a later version wrote is left as it is", () =>
    run("probe/later", (storage) => {
      const later = probe("CREATE TABLE probe_a (x INTEGER)", "CREATE TABLE probe_b (x INTEGER)");
      migrate(storage, later);
      expect(migrate(storage, probe("CREATE TABLE probe_a (x INTEGER)"))).toEqual({ from: 2, to: 2 });
      expect(schemaVersion(storage.sql, "probe")).toBe(2);
    }));

  it("versions of different schemas in one storage do not mix", () =>
    run("probe/two", (storage) => {
      openRunStorage(storage);
      openTenantStorage(storage);
      expect(schemaVersion(storage.sql, RUN_SCHEMA.name)).toBe(RUN_SCHEMA.steps.length);
      expect(schemaVersion(storage.sql, TENANT_SCHEMA.name)).toBe(TENANT_SCHEMA.steps.length);
    }));
});
