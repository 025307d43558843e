// Budgets: each limit refuses or stops as described, naming the limit and the current figure,
// and nothing else is affected.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, waitForStatus } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const ask = (extra: Record<string, unknown> = {}) => ({
  backend: "remote_a2a",
  prompt: "go",
  backend_config: { agent_url: agentUrl("inputRequired") },
  ...extra,
});

describe("budgets", () => {
  it("max_concurrent_runs refuses a spawn past the live-run limit", async () => {
    const c = await connect();
    const { runs } = await c.ok("list_runs", { limit: 200 });
    const live = runs.filter(
      (r: any) => !["completed", "failed", "cancelled", "rejected"].includes(r.status),
    ).length;
    await c.ok("spawn_run", ask({ budget: { max_concurrent_runs: live + 1 } }));
    const refused = await c.err("spawn_run", ask({ budget: { max_concurrent_runs: live + 1 } }));
    expect(refused.code).toBe("budget_exceeded");
    expect(refused.field).toBe("budget.max_concurrent_runs");
    expect(refused.message).toContain(`limit is ${live + 1}, current is ${live + 1}`);
    // The limit applies to this spawn only; without it the same spawn goes through.
    await c.ok("spawn_run", ask());
  });

  it("max_tree_runs refuses a child past the run tree's limit, other trees unaffected", async () => {
    const c = await connect();
    const root = await c.ok("spawn_run", ask({ budget: { max_tree_runs: 2 } }));
    await c.ok("spawn_run", ask({ parent_run_id: root.run_id }));
    const refused = await c.err("spawn_run", ask({ parent_run_id: root.run_id }));
    expect(refused.field).toBe("budget.max_tree_runs");
    expect(refused.message).toContain("limit is 2, current is 2");
    const other = await c.ok("spawn_run", ask());
    await c.ok("spawn_run", ask({ parent_run_id: other.run_id }));
  });

  it("a tree that overspends its token budget has its live runs stopped with budget_exceeded", async () => {
    const c = await connect();
    const runner = await ScriptedRunner.connect({ name: "spender", maxRuns: 4 });
    const root = await c.ok("spawn_run", {
      backend: "codex",
      prompt: "go",
      cwd: "/w",
      budget: { tree_token_budget: 1000 },
      backend_config: { runner: "spender" },
    });
    const sibling = await c.ok("spawn_run", {
      backend: "codex",
      prompt: "go",
      cwd: "/w",
      parent_run_id: root.run_id,
      backend_config: { runner: "spender" },
    });
    const bystander = await c.ok("spawn_run", ask());
    await runner.next("run.dispatch", (f) => f.run_id === root.run_id);
    await runner.next("run.dispatch", (f) => f.run_id === sibling.run_id);
    runner.outputs(sibling.run_id, 1, [{ type: "run_started", data: {} }]);
    runner.outputs(root.run_id, 1, [
      { type: "run_started", data: {} },
      { type: "usage", data: { input_tokens: 900, output_tokens: 200 } },
    ]);
    for (const id of [root.run_id, sibling.run_id]) {
      const stopped = await waitForStatus(c, id, ["failed"]);
      expect(stopped.error.code).toBe("budget_exceeded");
      expect(stopped.error.message).toContain("1100 tokens");
    }
    expect((await runner.next("run.cancel", (f) => f.run_id === sibling.run_id)).run_id).toBe(sibling.run_id);
    expect((await c.ok("get_run", { run_id: bystander.run_id })).status).not.toBe("failed");
    const refused = await c.err("spawn_run", {
      backend: "codex",
      prompt: "go",
      cwd: "/w",
      parent_run_id: root.run_id,
    });
    expect(refused.field).toBe("budget.tree_token_budget");
    runner.close();
  });
});
