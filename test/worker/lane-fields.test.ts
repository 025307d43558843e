// A lane's worktree fields and what manage_lane enqueue accepts, through the real MCP client: the
// defaults a repo lane gets, every refusal naming its field, and nothing stored by a refused call.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, type TestClient } from "./support/mcp.ts";

const uid = () => crypto.randomUUID().slice(0, 8);

async function upsert(c: TestClient, fields: Record<string, unknown>) {
  return (await c.ok("manage_lane", { operation: "upsert", ...fields })).lane;
}

const queueOf = async (c: TestClient, lane_id: string) =>
  (await c.ok("get_lane_activity", { lane_id })).queue as unknown[];

describe("lane worktree fields", () => {
  it("a repo lane gets a default branch, commit policy and test timeout; base stays the repo's current branch", async () => {
    const c = await connect();
    const lane_id = `lf-${uid()}`;
    const lane = await upsert(c, { lane_id, repo: "/srv/repos/app", test_command: "npm test" });
    expect(lane).toMatchObject({
      repo: "/srv/repos/app",
      base: null,
      branch: `switchyard/${lane_id}`,
      commit_policy: "commit",
      test_command: "npm test",
      test_timeout_s: 600,
      runner_labels: {},
      holder: null,
    });
    const changed = await upsert(c, {
      lane_id,
      base: "release/2.1",
      branch: "feature/x",
      commit_policy: "leave",
      test_timeout_s: 90,
      runner_labels: { os: "linux" },
    });
    expect(changed).toMatchObject({
      base: "release/2.1",
      branch: "feature/x",
      commit_policy: "leave",
      test_timeout_s: 90,
      runner_labels: { os: "linux" },
    });
  });

  it("refuses bad worktree fields, naming each, and stores nothing", async () => {
    const c = await connect();
    const lane_id = `lf-${uid()}`;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ repo: "srv/app" }, "repo", "absolute path"],
      [{ repo: "/srv/app", branch: "-x" }, "branch", "branch or commit name"],
      [{ repo: "/srv/app", base: "main..evil" }, "base", "branch or commit name"],
      [{ repo: "/srv/app", commit_policy: "squash" }, "commit_policy", "commit"],
      [{ repo: "/srv/app", test_timeout_s: 0 }, "test_timeout_s", ""],
      [{ repo: "/srv/app", test_timeout_s: 3601 }, "test_timeout_s", ""],
      [{ repo: "/srv/app", cwd: "/srv/app" }, "cwd", "works in its own worktree"],
    ];
    for (const [fields, field, message] of cases) {
      const err = await c.err("manage_lane", { operation: "upsert", lane_id, ...fields });
      expect([err.code, err.field], JSON.stringify(fields)).toEqual(["bad_request", field]);
      expect(err.message).toContain(message);
    }
    expect(await c.err("manage_lane", { operation: "get", lane_id })).toMatchObject({ code: "not_found" });
    // A lane that had a cwd cannot take a repo beside it either.
    await upsert(c, { lane_id, cwd: "/work/plain" });
    expect((await c.err("manage_lane", { operation: "upsert", lane_id, repo: "/srv/app" })).field).toBe(
      "repo",
    );
    expect((await c.ok("manage_lane", { operation: "get", lane_id })).lane.repo).toBeNull();
  });

  it("runs in a repo lane may not set cwd: spawn_run and enqueue refuse it by name", async () => {
    const c = await connect();
    const lane_id = `lf-${uid()}`;
    await upsert(c, { lane_id, repo: "/srv/repos/app", backend: "codex" });
    const spawn = await c.err("spawn_run", { lane_id, prompt: "go", cwd: "/srv/repos/app" });
    expect([spawn.code, spawn.field]).toEqual(["bad_request", "cwd"]);
    expect(spawn.message).toContain("cannot set cwd");
    const item = await c.err("manage_lane", {
      operation: "enqueue",
      lane_id,
      prompt: "go",
      cwd: "/srv/repos/app",
    });
    expect([item.code, item.field]).toEqual(["bad_request", "cwd"]);
    expect((await c.ok("list_runs", { lane_id })).runs).toEqual([]);
    expect(await queueOf(c, lane_id)).toEqual([]);
  });

  it("enqueue refuses bad items, naming the field, and queues nothing", async () => {
    const c = await connect();
    const lane_id = `lf-${uid()}`;
    await upsert(c, { lane_id, repo: "/srv/repos/app" });
    const cases: [Record<string, unknown>, string, string, string][] = [
      [{}, "bad_request", "prompt", "expected prompt and/or input_message"],
      [{ prompt: "go" }, "bad_request", "backend", "no default backend"],
      [{ prompt: "go", backend: "nope" }, "bad_request", "backend", ""],
      [
        { prompt: "go", backend: "codex", backend_config: { sandbox_mode: 7 } },
        "bad_request",
        "backend_config.sandbox_mode",
        "",
      ],
      [
        { prompt: "go", backend: "codex", backend_config: { nope: 1 } },
        "bad_request",
        "backend_config",
        "nope",
      ],
      [
        { prompt: "go", backend: "remote_a2a", backend_config: { agent_url: agentUrl("streaming") } },
        "bad_request",
        "backend",
        "would run at the edge",
      ],
      [
        { prompt: "go", backend: "codex", title: "x" },
        "bad_request",
        "title",
        "not taken by operation enqueue",
      ],
      [
        { prompt: "go", backend: "codex", repo: "/x" },
        "bad_request",
        "repo",
        "not taken by operation enqueue",
      ],
      [{ prompt: "", backend: "codex" }, "bad_request", "prompt", ""],
      [{ prompt: "go", backend: "codex", review: { backend: "nope" } }, "bad_request", "review.backend", ""],
    ];
    for (const [fields, code, field, message] of cases) {
      const err = await c.err("manage_lane", { operation: "enqueue", lane_id, ...fields });
      expect([err.code, err.field], JSON.stringify(fields)).toEqual([code, field]);
      expect(err.message).toContain(message);
    }
    const missing = await c.err("manage_lane", {
      operation: "enqueue",
      lane_id: `no-${uid()}`,
      prompt: "go",
    });
    expect([missing.code, missing.field]).toEqual(["not_found", "lane_id"]);
    const upsertPrompt = await c.err("manage_lane", { operation: "upsert", lane_id, prompt: "go" });
    expect([upsertPrompt.code, upsertPrompt.field]).toEqual(["bad_request", "prompt"]);
    expect(await queueOf(c, lane_id)).toEqual([]);

    await c.ok("manage_lane", { operation: "close", lane_id });
    const closed = await c.err("manage_lane", {
      operation: "enqueue",
      lane_id,
      prompt: "go",
      backend: "codex",
    });
    expect([closed.code, closed.field]).toEqual(["conflict", "lane_id"]);
    expect(closed.message).toContain("closed");
    expect(await queueOf(c, lane_id)).toEqual([]);
  });

  it("a lane holds at most 100 waiting items; the next enqueue is refused and nothing is added", async () => {
    const c = await connect();
    const base = `lf-${uid()}`;
    const lane_id = `lf-${uid()}`;
    await upsert(c, { lane_id: base });
    await upsert(c, { lane_id, repo: "/srv/repos/app", backend: "codex", depends_on: [base] });
    for (let i = 1; i <= 100; i++)
      await c.ok("manage_lane", { operation: "enqueue", lane_id, prompt: `item ${i}` });
    const full = await c.err("manage_lane", { operation: "enqueue", lane_id, prompt: "one too many" });
    expect([full.code, full.field]).toEqual(["conflict", "lane_id"]);
    expect(full.message).toContain("100 items waiting");
    const { queue } = await c.ok("get_lane_activity", { lane_id, limit: 200 });
    expect(queue.map((i: any) => i.position)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });
});
