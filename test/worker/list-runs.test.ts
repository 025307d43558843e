// list_runs: newest first, filters, and cursor pages that neither skip nor repeat.
import { describe, expect, it } from "vitest";
import { agentUrl, connect } from "./support/mcp.ts";

describe("list_runs", () => {
  it("pages through every run exactly once, newest first, and filters", async () => {
    const c = await connect();
    const spawned: string[] = [];
    for (let i = 0; i < 7; i++) {
      const run = await c.ok("spawn_run", {
        backend: "remote_a2a",
        role: i % 2 ? "reviewer" : "worker",
        prompt: "go",
        cwd: i < 3 ? "/work/a" : "/work/b",
        backend_config: { agent_url: agentUrl("inputRequired") },
      });
      spawned.push(run.run_id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.ok("list_runs", { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.runs.map((r: any) => r.run_id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    const mine = seen.filter((id) => spawned.includes(id));
    expect(mine).toEqual([...spawned].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const reviewers = await c.ok("list_runs", { role: "reviewer", cwd: "/work/b", limit: 200 });
    expect(reviewers.runs.map((r: any) => r.run_id).sort()).toEqual([spawned[3], spawned[5]].sort());
  });
});
