// A run's end reaches its tenant although the tenant refuses (or applies and then loses the
// acknowledgement of) its first K deliveries: through the real Worker, with real A2A agents and a
// scripted runner, the tenant object told through runInDurableObject which deliveries to fail.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { SwitchyardError } from "../../shared/errors.ts";
import type { TenantObject } from "../../worker/objects/tenant-object.ts";
import { isTerminal } from "../../shared/runs/status.ts";
import { agentUrl, connect, drainEvents, waitForStatus, type TestClient } from "./support/mcp.ts";
import { objects } from "./support/objects.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const TENANT = "acme";
const tenantObject = () => objects.TENANTS.getByName(TENANT);
const runObject = (runId: string) => objects.RUNS.getByName(`${TENANT}/${runId}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How the tenant treats the terminal deliveries of the first run whose end it is told: the first
 * `k` fail (`refuse`: before applying; `lose_ack`: after applying), and while `blocked` all do.
 */
class EndFault {
  readonly k: number;
  readonly mode: "refuse" | "lose_ack";
  target: string | undefined;
  failed = 0;
  applied = 0;
  blocked = false;

  constructor(k: number, mode: "refuse" | "lose_ack" = "refuse") {
    this.k = k;
    this.mode = mode;
  }

  async intercept(change: { run_id: string; status: string }, apply: () => Promise<void>) {
    if (!isTerminal(change.status as never)) return apply();
    this.target ??= change.run_id;
    if (change.run_id !== this.target) return apply();
    if (this.blocked || this.failed < this.k) {
      this.failed += 1;
      if (this.mode === "lose_ack") await apply();
      throw new SwitchyardError("internal", `delivery ${this.failed} failed by the test`);
    }
    this.applied += 1;
    return apply();
  }
}

async function failEnds(fault: EndFault): Promise<EndFault> {
  await runInDurableObject(tenantObject(), (tenant: TenantObject) => {
    tenant.changeInterceptor = (change, apply) => fault.intercept(change, apply);
  });
  return fault;
}

afterEach(async () => {
  await runInDurableObject(tenantObject(), (tenant: TenantObject) => {
    tenant.changeInterceptor = undefined;
  });
});

/** Polls list_runs (the tenant's index, which only deliveries change) until `ok` holds. */
async function untilListed(c: TestClient, filter: Record<string, unknown>, ok: (runs: any[]) => boolean) {
  for (let i = 0; i < 300; i++) {
    const { runs } = await c.ok("list_runs", { ...filter, limit: 200 });
    if (ok(runs)) return runs as any[];
    await sleep(100);
  }
  throw new Error(`list_runs ${JSON.stringify(filter)} never converged`);
}

/** The run's outbox row in its own storage. */
const outboxOf = async (runId: string) =>
  (
    await runInDurableObject(runObject(runId), (_, state) =>
      state.storage.sql.exec("SELECT version, acked, attempts FROM sy_outbox").toArray(),
    )
  )[0] as { version: number; acked: number; attempts: number };

/** Waits until the tenant has acknowledged the run's latest change. */
async function untilDelivered(runId: string) {
  for (let i = 0; i < 300; i++) {
    const row = await outboxOf(runId);
    if (row.acked === row.version) return row;
    await sleep(100);
  }
  throw new Error(`run ${runId}: changes never acknowledged`);
}

/** get_metrics for one run, with the token total of its usage events. */
async function metricsOf(c: TestClient, runId: string) {
  const { groups } = await c.ok("get_metrics", { group_by: "run", limit: 200 });
  const events = await drainEvents(c, runId);
  const reported = events.filter((e) => e.type === "usage").reduce((n, e) => n + e.data.total_tokens, 0);
  return { group: groups.find((g: any) => g.key === runId), reported };
}

const edgeRun = (agent_name: string, extra: Record<string, unknown> = {}) => ({
  backend: "remote_a2a",
  prompt: "go",
  agent_name,
  backend_config: { agent_url: agentUrl("streaming") },
  ...extra,
});

describe("a run's end reaches a tenant that fails its deliveries", () => {
  for (const [k, mode] of [
    [1, "refuse"],
    [3, "refuse"],
    [2, "lose_ack"],
  ] as const) {
    it(`edge run, ${k} terminal deliveries failed (${mode}): listed as ended, usage counted once`, async () => {
      const c = await connect();
      const fault = await failEnds(new EndFault(k, mode));
      const name = `edge-${k}-${mode}`;
      const run = await c.ok("spawn_run", edgeRun(name));
      expect((await waitForStatus(c, run.run_id, ["completed"])).status).toBe("completed");
      const [row] = await untilListed(c, { agent_name: name }, (runs) => runs[0]?.status === "completed");
      expect(row.run_id).toBe(run.run_id);
      expect((await untilDelivered(run.run_id)).attempts).toBe(0);
      // Applied once per delivery that got through the fault, lost acknowledgements included.
      expect(fault).toMatchObject({ target: run.run_id, failed: k, applied: 1 });
      const { group, reported } = await metricsOf(c, run.run_id);
      expect(reported).toBeGreaterThan(0);
      expect(group).toMatchObject({ runs: 1, total_tokens: reported, outcomes: { completed: 1, live: 0 } });
    });
  }

  for (const [k, mode] of [
    [1, "refuse"],
    [3, "lose_ack"],
  ] as const) {
    it(`a reviewed run whose end is failed ${k}× (${mode}) starts its reviewer exactly once`, async () => {
      const c = await connect();
      const fault = await failEnds(new EndFault(k, mode));
      const name = `reviewed-${k}-${mode}`;
      const worker = await c.ok(
        "spawn_run",
        edgeRun(name, {
          review: {
            backend: "remote_a2a",
            backend_config: { agent_url: agentUrl("reviewer") },
            max_cycles: 1,
          },
        }),
      );
      const [reviewer] = await untilListed(c, { parent_run_id: worker.run_id }, (runs) => runs.length > 0);
      // Refused, the worker's end starts the reviewer only once it lands; with its acknowledgement
      // lost, the first delivery starts it and the repeats must not start another.
      if (mode === "refuse") expect(fault.failed).toBe(k);
      await untilDelivered(worker.run_id);
      expect(fault).toMatchObject({ target: worker.run_id, failed: k, applied: 1 });
      await waitForStatus(c, reviewer.run_id, ["completed"]);
      await untilListed(c, { parent_run_id: worker.run_id }, (runs) => runs[0]?.status === "completed");
      expect((await c.ok("get_run", { run_id: worker.run_id })).review).toMatchObject({
        reviewer_run_id: reviewer.run_id,
        verdict: "fail",
      });
      const children = (await c.ok("list_runs", { parent_run_id: worker.run_id })).runs;
      expect(children.map((r: any) => r.role)).toEqual(["reviewer"]);
      expect((await c.ok("list_runs", { agent_name: name })).runs[0].status).toBe("completed");
    });
  }

  for (const k of [1, 3]) {
    it(`runner run, ${k} terminal deliveries refused: the slot frees for the next run, no cancel sent`, async () => {
      const c = await connect();
      const fault = await failEnds(new EndFault(k));
      const runnerName = `slot-${k}`;
      const runner = await ScriptedRunner.connect({ name: runnerName, maxRuns: 1 });
      const codex = { backend: "codex", prompt: "go", cwd: "/w", backend_config: { runner: runnerName } };
      const first = await c.ok("spawn_run", { ...codex, agent_name: `${runnerName}-a` });
      await runner.next("run.dispatch", (f) => f.run_id === first.run_id);
      // The only slot is taken: the next run waits for it.
      const next = await c.ok("spawn_run", codex);
      expect((await c.ok("get_run", { run_id: next.run_id })).status).toBe("queued");
      runner.outputs(first.run_id, 1, [
        { type: "run_started", data: {} },
        { type: "usage", data: { input_tokens: 30, output_tokens: 12 } },
        { type: "run_completed", data: { final_response: "done" } },
      ]);
      expect((await runner.next("run.ack")).source_seq).toBe(3);
      await waitForStatus(c, first.run_id, ["completed"]);
      await runner.next("run.dispatch", (f) => f.run_id === next.run_id, 20_000);
      expect(fault).toMatchObject({ target: first.run_id, failed: k, applied: 1 });
      const listed = await c.ok("list_runs", { agent_name: `${runnerName}-a` });
      expect(listed.runs[0].status).toBe("completed");
      const { group } = await metricsOf(c, first.run_id);
      expect(group).toMatchObject({ runs: 1, total_tokens: 42 });
      // A run the runner itself completed is left to finish: no cancel for it.
      expect(runner.frames.filter((f) => f.type === "run.cancel")).toEqual([]);
      await c.ok("cancel_run", { run_id: next.run_id });
      await untilDelivered(next.run_id); // its end is not left for the next test's fault
      runner.close();
    });
  }

  it("a cancelled runner run: its runner is told to stop once the refused end lands, and its slot frees", async () => {
    const c = await connect();
    const fault = await failEnds(new EndFault(2));
    const runner = await ScriptedRunner.connect({ name: "halted", maxRuns: 1 });
    const codex = { backend: "codex", prompt: "go", cwd: "/w", backend_config: { runner: "halted" } };
    const run = await c.ok("spawn_run", codex);
    await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    runner.outputs(run.run_id, 1, [{ type: "run_started", data: {} }]);
    await runner.next("run.ack");
    expect((await c.ok("cancel_run", { run_id: run.run_id })).status).toBe("cancelled");
    await runner.next("run.cancel", (f) => f.run_id === run.run_id, 20_000);
    expect(fault).toMatchObject({ target: run.run_id, failed: 2, applied: 1 });
    const after = await c.ok("spawn_run", codex);
    await runner.next("run.dispatch", (f) => f.run_id === after.run_id);
    await c.ok("cancel_run", { run_id: after.run_id });
    await untilDelivered(after.run_id);
    runner.close();
  });

  it("after every object restarts (a deploy), the run's alarm wakes it to deliver the end the tenant never acknowledged", async () => {
    const c = await connect();
    const fault = await failEnds(new EndFault(0));
    fault.blocked = true;
    const run = await c.ok("spawn_run", edgeRun("restarted"));
    await waitForStatus(c, run.run_id, ["completed"]);
    for (let i = 0; i < 100 && fault.failed === 0; i++) await sleep(50);
    expect(fault.failed).toBeGreaterThan(0);
    const pending = await outboxOf(run.run_id);
    expect(pending.acked).toBeLessThan(pending.version);
    expect((await c.ok("list_runs", { agent_name: "restarted" })).runs[0].status).toBe("running");
    // The tenant comes back without the fault; nothing calls the run object from here on.
    await abortAllDurableObjects();
    await untilListed(c, { agent_name: "restarted" }, (runs) => runs[0]?.status === "completed");
    expect((await untilDelivered(run.run_id)).attempts).toBe(0);
    expect(fault.applied).toBe(0);
  });
});
