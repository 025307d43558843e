// Lanes end to end: wrangler dev, a real `switchyard-runner connect --lanes` process, real git, the
// real codex CLI and Claude Code editing files in their lanes' worktrees (only the models are fakes
// on 127.0.0.1), and a real A2A reviewer. Two lanes edit the same file in parallel; one has a test
// gate that fails once and a reviewer that fails once, and lands; the other's land conflicts and is
// refused naming the file; a third lane waits on the first, across a Worker restart, until it lands.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startA2aAgents, type A2aReceived } from "../fixtures/a2a-agents.ts";
import { startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import { startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { makeRepo, type TestRepo } from "../runner/support/git-repo.ts";
import { agentPids, makeAgentsEnv, type AgentsEnv } from "./support/agents-env.ts";
import { callOk, connectHttp } from "./support/mcp-http.ts";
import { RunnerProcess } from "./support/runner-process.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const MCP_TOKEN = "e2e-mcp";
const RUNNER_TOKEN = "e2e-runner";
const RUNNER = "e2e-lanes";

let openai: FakeOpenAi;
let anthropic: FakeAnthropic;
let a2a: Awaited<ReturnType<typeof startA2aAgents>>;
let agents: AgentsEnv;
let repo: TestRepo;
let dev: WranglerDev;
let runner: RunnerProcess;
let client: Client;

const SHARED = "line one\nline two\nline three\n";
/** Where the runner puts a lane's worktree: under the root holding the repository. */
const tree = (laneId: string) => join(repo.root, ".switchyard", "worktrees", laneId);

beforeAll(async () => {
  [openai, anthropic, a2a] = await Promise.all([startFakeOpenAi(), startFakeAnthropic(), startA2aAgents()]);
  agents = await makeAgentsEnv(openai.url, anthropic.url);
  // Outside /tmp: codex's workspace-write sandbox lets commands write /tmp as well as cwd.
  repo = await makeRepo({ "shared.txt": SHARED, "status.txt": "ok\n" }, "/var/tmp");
  dev = new WranglerDev({
    vars: {
      SWITCHYARD_TOKENS: `e2e=${MCP_TOKEN}`,
      SWITCHYARD_RUNNER_TOKENS: `e2e=${RUNNER_TOKEN}`,
      // The A2A reviewer listens on 127.0.0.1.
      SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*",
    },
  });
  await dev.start();
  runner = new RunnerProcess({
    url: dev.url,
    token: RUNNER_TOKEN,
    name: RUNNER,
    roots: [repo.root],
    env: agents.env,
    lanes: true,
  });
  await runner.printed("connected");
  client = await connectHttp(dev.url, MCP_TOKEN);
});

afterAll(async () => {
  await client?.close();
  await runner?.stop();
  await dev?.stop();
  for (const pid of agents ? await agentPids(agents.home) : []) process.kill(pid, "SIGKILL");
  await Promise.all([openai?.close(), anthropic?.close(), a2a?.close()]);
  await repo?.remove();
});

/** The lane's activity once `done` holds of it (a run's end reaches the lane a moment later). */
async function untilLane(laneId: string, done: (activity: any) => boolean, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  let activity: any;
  while (Date.now() < deadline) {
    activity = await callOk(client, "get_lane_activity", { lane_id: laneId });
    if (done(activity)) return activity;
    const live = activity.runs.filter((r: any) => !["completed", "failed", "cancelled"].includes(r.status));
    if (live.length)
      await callOk(client, "wait_runs", {
        run_ids: live.map((r: any) => r.run_id),
        mode: "any",
        wait_ms: 5_000,
      });
    else await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `lane ${laneId} never reached the state waited for: ${JSON.stringify(activity).slice(0, 3000)}`,
  );
}

/** A manage_lane call that must fail: its error body. */
async function laneError(args: Record<string, unknown>) {
  const result = await client.callTool({ name: "manage_lane", arguments: args });
  expect(result.isError).toBe(true);
  return JSON.parse((result.content as { text: string }[])[0]!.text) as {
    code: string;
    message: string;
    field?: string;
  };
}

describe("lanes through a real runner", () => {
  it("two lanes edit the same file in parallel; the gated, reviewed one is remediated until both pass", async () => {
    // api (codex): cycle 1 passes the gate and fails review; its remediation breaks the gate;
    // the next remediation fixes it and passes review.
    openai.script([
      {
        kind: "shell",
        command: "printf 'line one\\nline two by the api\\nline three\\n' > shared.txt",
      },
      { kind: "text", text: "Changed line two for the api." },
      { kind: "shell", command: "echo broken > status.txt" },
      { kind: "text", text: "Fixed the loop." },
      { kind: "shell", command: "echo ok > status.txt" },
      { kind: "text", text: "Made the tests pass again." },
    ]);
    // ui (Claude Code): one edit of the same line, in its own worktree.
    anthropic.script([
      {
        kind: "tool",
        name: "Write",
        input: {
          file_path: join(tree("ui"), "shared.txt"),
          content: "line one\nline two by the ui\nline three\n",
        },
      },
      { kind: "text", text: "Changed line two for the ui." },
    ]);
    await callOk(client, "manage_lane", {
      operation: "upsert",
      lane_id: "api",
      repo: repo.repo,
      base: "main",
      backend: "codex",
      test_command: 'test "$(cat status.txt)" = ok',
      review: { backend: "remote_a2a", backend_config: { agent_url: a2a.urls.reviewer }, max_cycles: 3 },
    });
    await callOk(client, "manage_lane", {
      operation: "upsert",
      lane_id: "ui",
      repo: repo.repo,
      base: "main",
      backend: "claude_code",
    });
    await callOk(client, "manage_lane", {
      operation: "enqueue",
      lane_id: "api",
      prompt: "Change line two for the api.",
    });
    await callOk(client, "manage_lane", {
      operation: "enqueue",
      lane_id: "ui",
      prompt: "Change line two for the ui.",
    });

    const ui = await untilLane("ui", (a) => a.lane.status === "review");
    const api = await untilLane("api", (a) => a.lane.status === "review");

    // Both worked on shared.txt at once, each in its own worktree and branch; main is untouched.
    expect(readFileSync(join(tree("api"), "shared.txt"), "utf8")).toBe(
      "line one\nline two by the api\nline three\n",
    );
    expect(readFileSync(join(tree("ui"), "shared.txt"), "utf8")).toBe(
      "line one\nline two by the ui\nline three\n",
    );
    expect(readFileSync(join(repo.repo, "shared.txt"), "utf8")).toBe(SHARED);
    expect(repo.git(["status", "--porcelain"])).toBe("");
    expect(ui.lane.holder).toBe(RUNNER);
    expect(ui.lane_runs).toHaveLength(1);
    expect(ui.lane_runs[0].changes).toMatchObject({ files_changed: 1, insertions: 1, deletions: 1 });
    expect(repo.git(["show", `${ui.lane_runs[0].changes.commit}:shared.txt`])).toContain("by the ui");

    // api: cycle 1 passed the gate and failed review, cycle 2 failed the gate, cycle 3 passed both.
    expect(api.cycles.map((c: any) => [c.cycle, c.tests_passed, c.verdict, c.next])).toEqual([
      [1, true, "fail", "remediation"],
      [2, false, null, "remediation"],
      [3, true, "pass", "ready"],
    ]);
    expect(api.reviews.map((r: any) => r.verdict)).toEqual(["fail", "pass"]);
    const workers = api.lane_runs.filter((r: any) => r.role === "worker");
    expect(workers.map((r: any) => r.tests?.passed)).toEqual([true, false, true]);
    // Each worker run continued the first one's session, in the same worktree.
    const [w1, w2, w3] = await Promise.all(
      workers.map((r: any) => callOk(client, "get_run", { run_id: r.run_id })),
    );
    expect(new Set([w1.session_id, w2.session_id, w3.session_id]).size).toBe(1);
    expect(w1.changes.files.map((f: any) => f.path)).toEqual(["shared.txt"]);
    expect(w2.changes.files.map((f: any) => f.path)).toEqual(["status.txt"]);
    // The reviewer was sent the diff and the test result, not only the final answer.
    const received = (await (await fetch(`${a2a.urls.reviewer}/__received`)).json()) as A2aReceived;
    const first = received.messages.map((m) => m.text).find((t) => t.includes(`run ${w1.run_id} `))!;
    expect(first).toContain("+line two by the api");
    expect(first).toContain("shared.txt | modified +1 -1");
    expect(first).toContain("passed");
    // The failing gate's output went back to the worker with the request to fix it.
    const remediation = JSON.stringify(openai.requests.filter((r) => r.scripted).at(-2)!.body);
    expect(remediation).toContain("test gate failed");
  });

  it("a lane waiting on another keeps its queued item across a Worker restart", async () => {
    anthropic.script([
      {
        kind: "tool",
        name: "Write",
        input: { file_path: join(tree("docs"), "DOCS.md"), content: "docs after the api\n" },
      },
      { kind: "text", text: "Wrote the docs." },
    ]);
    await callOk(client, "manage_lane", {
      operation: "upsert",
      lane_id: "docs",
      repo: repo.repo,
      base: "main",
      backend: "claude_code",
      depends_on: ["api"],
    });
    const { item } = await callOk(client, "manage_lane", {
      operation: "enqueue",
      lane_id: "docs",
      prompt: "Document the api.",
    });
    expect(item.state).toBe("waiting");

    await client.close();
    await dev.stop();
    await dev.start();
    client = await connectHttp(dev.url, MCP_TOKEN);

    const after = await callOk(client, "get_lane_activity", { lane_id: "docs" });
    expect(after.queue.map((i: any) => i.item_id)).toEqual([item.item_id]);
    expect(after.waiting_reason).toContain('"api"');
    // The runner dials back in by itself; the lanes it holds are its own again.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { lane_holders } = await callOk(client, "list_available_backends", { probe: false });
      if (lane_holders.some((h: any) => h.lane_id === "api" && h.connected)) break;
      if (Date.now() > deadline) throw new Error("the runner did not reconnect after the restart");
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  it("landing the api fast-forwards main, and its dependant's queued item runs at once", async () => {
    const before = repo.git(["rev-parse", "main"]);
    const landed = await callOk(client, "manage_lane", { operation: "land", lane_id: "api" });
    expect(landed.lane.status).toBe("merged");
    expect(landed.landed).toMatchObject({ ok: true, strategy: "fast_forward", worktree_removed: true });
    expect(repo.git(["rev-parse", "main"])).toBe(landed.landed.commit);
    expect(repo.git(["rev-list", "--count", `${before}..main`])).toBe("3");
    expect(repo.git(["show", "main:shared.txt"])).toContain("by the api");
    expect(existsSync(tree("api"))).toBe(false);
    expect(repo.git(["status", "--porcelain"])).toBe("");

    const docs = await untilLane("docs", (a) => a.lane.status === "review");
    expect(docs.queue).toEqual([]);
    // Its worktree started from main as the land left it.
    expect(readFileSync(join(tree("docs"), "shared.txt"), "utf8")).toContain("by the api");
    expect(readFileSync(join(tree("docs"), "DOCS.md"), "utf8")).toBe("docs after the api\n");
    const activity = await callOk(client, "get_lane_activity", { lane_id: "api" });
    expect(activity.landing).toMatchObject({ kind: "land", runner: RUNNER, result: { ok: true } });
  });

  it("the other lane's land conflicts on shared.txt: refused naming the file, main as it was", async () => {
    const main = repo.git(["rev-parse", "main"]);
    const err = await laneError({ operation: "land", lane_id: "ui" });
    expect(err).toMatchObject({ code: "conflict", field: "lane_id" });
    expect(err.message).toContain("shared.txt");
    expect(repo.git(["rev-parse", "main"])).toBe(main);
    expect(repo.git(["status", "--porcelain"])).toBe("");
    const ui = await callOk(client, "get_lane_activity", { lane_id: "ui" });
    expect(ui.lane.status).toBe("review");
    expect(ui.landing.result).toMatchObject({ ok: false, code: "conflict", conflicts: ["shared.txt"] });

    // Given up: reclaim removes its worktree and branch and closes it.
    const reclaimed = await callOk(client, "manage_lane", { operation: "reclaim", lane_id: "ui" });
    expect(reclaimed.reclaimed).toMatchObject({ worktree_removed: true, branch_deleted: true });
    expect(reclaimed.lane.status).toBe("closed");
    expect(existsSync(tree("ui"))).toBe(false);
    expect(repo.git(["branch", "--list", "switchyard/ui"])).toBe("");
  });
});
