// A run's one alarm (runs/run-alarms.ts): what is due and when it fires next, derived from stored
// state, on a clock and an alarm store of the test's; then runs left behind by the Agent version
// (schedules in agents' own job table) that still time out and keep their watchdog.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  AGAIN_MS,
  RunAlarms,
  WATCHDOG_MS,
  dueTasks,
  nextAlarmMs,
  type AlarmTask,
  type RunTimes,
} from "../../worker/runs/run-alarms.ts";
import { agentUrl, connect, waitForStatus } from "./support/mcp.ts";
import { objects } from "./support/objects.ts";

const NOW = 1_800_000_000_000;
const idle: RunTimes = { timeoutAtMs: null, edgeLive: false, retryAtMs: null };

describe("dueTasks and nextAlarmMs", () => {
  it("runs the timeout, the edge check and the change retry when due, in that order", () => {
    const all: RunTimes = { timeoutAtMs: NOW, edgeLive: true, retryAtMs: NOW - 5 };
    expect(dueTasks(all, NOW)).toEqual(["timeout", "edge_check", "change_retry"]);
    expect(dueTasks({ ...all, timeoutAtMs: NOW + 1, retryAtMs: NOW + 1 }, NOW)).toEqual(["edge_check"]);
    expect(dueTasks({ ...idle, timeoutAtMs: NOW + 1, retryAtMs: NOW + 1 }, NOW)).toEqual([]);
  });

  it("fires next at the earliest time; a live edge run at least every WATCHDOG_MS", () => {
    expect(nextAlarmMs(idle, NOW)).toBeNull();
    expect(nextAlarmMs({ ...idle, timeoutAtMs: NOW + 90_000 }, NOW)).toBe(NOW + 90_000);
    expect(nextAlarmMs({ ...idle, timeoutAtMs: NOW + 90_000, edgeLive: true }, NOW)).toBe(NOW + WATCHDOG_MS);
    expect(nextAlarmMs({ timeoutAtMs: NOW + 90_000, edgeLive: true, retryAtMs: NOW + 2_000 }, NOW)).toBe(
      NOW + 2_000,
    );
  });

  it("a time that passed and is still due is tried again AGAIN_MS later, not in a loop", () => {
    expect(nextAlarmMs({ ...idle, timeoutAtMs: NOW - 10_000 }, NOW)).toBe(NOW + AGAIN_MS);
    expect(nextAlarmMs({ ...idle, retryAtMs: NOW }, NOW)).toBe(NOW + AGAIN_MS);
  });
});

/** An alarm store and clock of the test's, with what each due task did. */
class Harness {
  now = NOW;
  alarm: number | null;
  readonly set: number[] = [];
  readonly ran: AlarmTask[] = [];
  readonly logs: string[] = [];
  times: RunTimes = idle;
  failing = new Set<AlarmTask>();
  readonly alarms: RunAlarms;

  constructor(alarm: number | null = null) {
    this.alarm = alarm;
    this.alarms = new RunAlarms({
      store: {
        getAlarm: async () => this.alarm,
        setAlarm: async (at) => {
          this.alarm = at;
          this.set.push(at);
        },
      },
      times: () => this.times,
      run: async (task) => {
        this.ran.push(task);
        if (this.failing.has(task)) throw new Error(`${task} broke`);
        if (task === "timeout") this.times = { ...this.times, timeoutAtMs: null, edgeLive: false };
      },
      now: () => this.now,
      log: (line) => this.logs.push(line),
    });
  }

  /** The platform firing the armed alarm: its time has come and it is spent. */
  async fire(): Promise<void> {
    this.now = Math.max(this.now, this.alarm!);
    this.alarm = null;
    await this.alarms.fire();
  }
}

describe("RunAlarms", () => {
  it("keeps the earliest of concurrent arms, and an earlier alarm found in storage", async () => {
    const h = new Harness(NOW + 5_000);
    await Promise.all([h.alarms.arm(NOW + 9_000), h.alarms.arm(NOW + 3_000), h.alarms.arm(NOW + 4_000)]);
    expect(h.alarm).toBe(NOW + 3_000);
    expect(h.set).toEqual([NOW + 3_000]);
    await h.alarms.arm(NOW + 3_500);
    expect(h.set).toEqual([NOW + 3_000]);
  });

  it("a live edge run is checked on every firing and re-armed WATCHDOG_MS on until it times out", async () => {
    const h = new Harness();
    h.times = { timeoutAtMs: NOW + 70_000, edgeLive: true, retryAtMs: null };
    await h.alarms.sync();
    expect(h.alarm).toBe(NOW + WATCHDOG_MS);
    await h.fire();
    await h.fire();
    expect(h.alarm).toBe(NOW + 70_000);
    await h.fire();
    expect(h.ran).toEqual(["edge_check", "edge_check", "timeout"]);
    // Ended: nothing is armed any more.
    expect(h.alarm).toBeNull();
    expect(h.set).toEqual([NOW + WATCHDOG_MS, NOW + 2 * WATCHDOG_MS, NOW + 70_000]);
  });

  it("a failing task is logged, does not stop the others, and is tried again", async () => {
    const h = new Harness();
    h.times = { timeoutAtMs: NOW, edgeLive: false, retryAtMs: NOW };
    h.failing.add("timeout");
    await h.alarms.sync();
    await h.fire();
    expect(h.ran).toEqual(["timeout", "change_retry"]);
    expect(h.logs).toEqual(["alarm task timeout failed: timeout broke"]);
    expect(h.alarm).toBe(h.now + AGAIN_MS);
  });

  it("an arm while the alarm is running (a poll asked for by the stream) is kept", async () => {
    const h = new Harness();
    h.times = { timeoutAtMs: null, edgeLive: true, retryAtMs: null };
    await h.alarms.sync();
    h.now += WATCHDOG_MS;
    h.alarm = null;
    const firing = h.alarms.fire();
    await h.alarms.arm(h.now + 250);
    await firing;
    expect(h.alarm).toBe(h.now + 250);
  });
});

// ── runs the Agent version left behind ───────────────────────────────────────────────────────

const TENANT = "acme";
const runObject = (runId: string) => objects.RUNS.getByName(`${TENANT}/${runId}`);

/** agents 0.32's job table, as its scheduler created it in every run object. */
const AGENT_JOBS = `CREATE TABLE IF NOT EXISTS cf_agents_jobs (id TEXT PRIMARY KEY NOT NULL,
  capability TEXT NOT NULL, fn TEXT NOT NULL, time INTEGER NOT NULL, payload TEXT, retry_options TEXT,
  singleflight INTEGER NOT NULL DEFAULT 0, hung_timeout_seconds INTEGER, exclusive INTEGER NOT NULL DEFAULT 0,
  recovery_loop INTEGER NOT NULL DEFAULT 0, running INTEGER NOT NULL DEFAULT 0, execution_started_at INTEGER,
  created_at INTEGER NOT NULL DEFAULT (unixepoch())) WITHOUT ROWID`;

/**
 * Rewrites a run's storage into what the Agent version left: created `ageMs` ago, its timeout and
 * (at the edge) its watchdog as rows of agents' job table instead of this version's alarm, the
 * platform alarm armed at `alarmAtMs` as agents armed it (or none).
 */
async function asAgentVersionLeftIt(runId: string, ageMs: number, alarmAtMs: number | null) {
  await runInDurableObject(runObject(runId), async (_instance, state) => {
    const sql = state.storage.sql;
    const createdMs = Date.now() - ageMs;
    const { doc } = sql.exec<{ doc: string }>("SELECT doc FROM sy_record").one();
    const record = JSON.parse(doc) as { created_at: string; timeout_s: number; placement: string };
    record.created_at = new Date(createdMs).toISOString();
    sql.exec("UPDATE sy_record SET doc = ?", JSON.stringify(record));
    sql.exec(AGENT_JOBS);
    const timeoutAt = createdMs + record.timeout_s * 1000;
    const job =
      "INSERT INTO cf_agents_jobs (id, capability, fn, time, payload, singleflight) VALUES (?, 'scheduler', ?, ?, ?, ?)";
    sql.exec(
      job,
      crypto.randomUUID(),
      "onTimeout",
      timeoutAt,
      JSON.stringify({
        type: "delayed",
        time: Math.floor(timeoutAt / 1000),
        delayInSeconds: record.timeout_s,
      }),
      0,
    );
    if (record.placement === "edge") {
      const next = Date.now() + 30_000;
      sql.exec(
        job,
        crypto.randomUUID(),
        "watchdog",
        next,
        JSON.stringify({ type: "interval", time: Math.floor(next / 1000), intervalSeconds: 30 }),
        1,
      );
    }
    await state.storage.deleteAlarm();
    if (alarmAtMs !== null) await state.storage.setAlarm(alarmAtMs);
  });
  // The object restarts with the new code: nothing of the old instance survives in memory.
  await abortAllDurableObjects();
}

describe("runs the Agent version left behind", () => {
  const runnerRun = { backend: "claude_code", prompt: "go", cwd: "/w", timeout_s: 60 };

  it("a live run times out from its record, with the alarm agents had armed", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", runnerRun);
    await asAgentVersionLeftIt(run.run_id, 61_000, Date.now() - 1_000);
    const got = await waitForStatus(c, run.run_id, ["failed"]);
    expect(got.error.code).toBe("timeout");
    expect(got.error.message).toBe("the run exceeded timeout_s=60");
  });

  it("a live run whose alarm was lost times out once anything wakes its object", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", runnerRun);
    await asAgentVersionLeftIt(run.run_id, 61_000, null);
    const got = await waitForStatus(c, run.run_id, ["failed"]);
    expect(got.error.code).toBe("timeout");
  });

  it("a live edge run is followed again and its watchdog armed within WATCHDOG_MS", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", {
      backend: "remote_a2a",
      prompt: "go",
      backend_config: { agent_url: agentUrl("slow") },
    });
    await waitForStatus(c, run.run_id, ["running"]);
    await asAgentVersionLeftIt(run.run_id, 1_000, null);
    // The restart cut the stream; waking the object (this read) follows it again, so new ticks arrive.
    const { lastSeq, alarm } = await runInDurableObject(runObject(run.run_id), async (_instance, state) => ({
      lastSeq: (
        JSON.parse(state.storage.sql.exec<{ doc: string }>("SELECT doc FROM sy_record").one().doc) as {
          last_seq: number;
        }
      ).last_seq,
      alarm: await state.storage.getAlarm(),
    }));
    const page = await c.ok("poll_events", { run_id: run.run_id, after_seq: lastSeq, wait_ms: 10_000 });
    expect(page.events.map((e: { type: string }) => e.type)).toContain("agent_message");
    expect(page.events[0].seq).toBe(lastSeq + 1);
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + WATCHDOG_MS);
    expect((await c.ok("cancel_run", { run_id: run.run_id })).status).toBe("cancelled");
  });
});
