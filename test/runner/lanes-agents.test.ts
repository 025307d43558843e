// Lane runs of the real agents through the runner (FakeHub link, real git), only the model faked:
// codex edits the worktree with a shell command, Claude Code with Write; each edit becomes a commit
// on the lane branch, and what they try outside the worktree does not happen (Claude Code's shell only
// with allowed_tools: [], its default lets Bash run anywhere).
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClaudeCodeAgent } from "../../runner/agents/claude-code.ts";
import { createCodexAgent } from "../../runner/agents/codex.ts";
import { requestMessages, startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import { codexConfigToml, startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { killProcessesWithEnv, makeTempDir } from "./support/agent-harness.ts";
import { FakeHub } from "./support/fake-hub.ts";
import { laneOf, makeRepo, treePath, type TestRepo } from "./support/git-repo.ts";
import { dispatch, runnerFor, type TestRunner } from "./support/runner.ts";

let hub: FakeHub | undefined;
let runner: TestRunner | undefined;
let repo: TestRepo | undefined;
let home: Awaited<ReturnType<typeof makeTempDir>> | undefined;
let fake: FakeOpenAi | FakeAnthropic | undefined;
afterEach(async () => {
  await runner?.handle.stop();
  await hub?.stop();
  if (home) await killProcessesWithEnv(`HOME=${home.path}`);
  await fake?.close();
  await home?.remove();
  await repo?.remove();
});

const events = (runId: string) =>
  hub!.items(runId).flatMap((i) => (i.output.kind === "event" ? [i.output.event] : []));
const dataOf = (runId: string, type: string) =>
  events(runId)
    .filter((e) => e.type === type)
    .map((e) => e.data);

async function laneRunner(
  backend: "codex" | "claude_code",
  agent: () => ReturnType<typeof createCodexAgent>,
) {
  hub = await FakeHub.start();
  runner = await runnerFor(
    hub,
    { roots: [repo!.root], lanes: true },
    {
      agents: { [backend]: agent },
      probe: async () => [{ backend, installed: true, credentials: "configured" }],
    },
  );
  await runner.printed("connected");
}

/** Waits for the run's end and checks the parts every lane run has, in order. */
async function ended(runId: string) {
  await runner!.printed(`run ${runId} completed`, 90_000);
  await hub!.waitFor(() => dataOf(runId, "run_completed").length === 1, "the ending");
  const types = events(runId).map((e) => e.type);
  expect(types.indexOf("lane_changes")).toBeLessThan(types.indexOf("run_completed"));
  expect(types.at(-1)).toBe("run_completed");
}

/** A repository, a Claude Code home and a fake Messages model for a Claude Code lane run (afterEach removes them). */
async function claudeSetup(laneId: string) {
  repo = await makeRepo({ "README.md": "hello\n" });
  home = await makeTempDir("claude-home");
  const anthropic = await startFakeAnthropic();
  fake = anthropic;
  const env = {
    PATH: process.env.PATH,
    HOME: home.path,
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_API_KEY: "fake",
  };
  return { anthropic, env, repo, tree: treePath(repo, laneId) };
}

/** What the model was told last (tool results included), as JSON text. */
const lastMessages = (anthropic: FakeAnthropic) =>
  JSON.stringify(requestMessages(anthropic.requests.filter((r) => r.scripted).at(-1)!));

describe("lane runs of the real agents", () => {
  it("codex edits the worktree with a shell command; the edit is committed, the main tree and .git untouched", async () => {
    // Outside /tmp: codex's workspace-write sandbox lets commands write /tmp as well as cwd.
    repo = await makeRepo({ "README.md": "hello\n" }, "/var/tmp");
    home = await makeTempDir("codex-home");
    const openai = await startFakeOpenAi();
    fake = openai;
    await writeFile(join(home.path, "config.toml"), codexConfigToml(openai.url, "FAKE_OPENAI_KEY"));
    const env = { PATH: process.env.PATH, HOME: home.path, CODEX_HOME: home.path, FAKE_OPENAI_KEY: "fake" };
    openai.script([
      { kind: "shell", command: "printf 'edited by codex\\n' > README.md" },
      { kind: "shell", command: `echo escaped > ${join(repo.repo, "escaped.txt")}` },
      { kind: "shell", command: "echo 'gitdir: /nowhere' > .git" },
      { kind: "text", text: "Edited the README." },
    ]);
    await laneRunner("codex", () => createCodexAgent({ env }));
    const lane = laneOf(repo, "codex-lane");
    hub!.send(dispatch("run-c", "Edit the README.", { lane, role: "worker", cwd: undefined }));
    await ended("run-c");

    const tree = treePath(repo, "codex-lane");
    const commit = repo.git(["rev-parse", lane.branch]);
    expect(repo.git(["show", `${commit}:README.md`])).toBe("edited by codex");
    expect(repo.git(["log", "-1", "--format=%s", commit])).toBe("worker: Edited the README.");
    expect(dataOf("run-c", "lane_changes")).toEqual([
      expect.objectContaining({ commit, files_changed: 1, insertions: 1, deletions: 1 }),
    ]);
    expect(dataOf("run-c", "file_changed").filter((f) => f.path === "README.md")).toEqual([
      { path: "README.md", change: "modified", insertions: 1, deletions: 1 },
    ]);
    // The sandbox kept the commands out of the main tree and off the tree's .git file. (Their
    // command events are not counted: codex's JSON stream now and then leaves one out; what the
    // model was told back is what the commands did.)
    const toldBack = JSON.stringify(openai.requests.at(-1)!.body);
    expect(toldBack.split("Read-only file system").length - 1).toBe(2);
    expect(existsSync(join(repo.repo, "escaped.txt"))).toBe(false);
    expect(readFileSync(join(tree, ".git"), "utf8")).toContain("gitdir: ");
    expect(readFileSync(join(tree, ".git"), "utf8")).not.toContain("/nowhere");
    expect(repo.git(["status", "--porcelain"])).toBe("");
  });

  it("Claude Code writes in the worktree with Write; the write outside it is denied; the edit is committed", async () => {
    const { anthropic, env, repo, tree } = await claudeSetup("claude-lane");
    anthropic.script([
      {
        kind: "tool",
        name: "Write",
        input: { file_path: join(tree, "NOTES.md"), content: "notes\nby claude\n" },
      },
      { kind: "tool", name: "Write", input: { file_path: join(repo.repo, "escaped.txt"), content: "out\n" } },
      { kind: "text", text: "Wrote the notes." },
    ]);
    await laneRunner("claude_code", () => createClaudeCodeAgent({ env }));
    const lane = laneOf(repo, "claude-lane");
    hub!.send(
      dispatch("run-a", "Write notes.", { backend: "claude_code", lane, role: "worker", cwd: undefined }),
    );
    await ended("run-a");

    const commit = repo.git(["rev-parse", lane.branch]);
    expect(repo.git(["show", `${commit}:NOTES.md`])).toBe("notes\nby claude");
    expect(repo.git(["log", "-1", "--format=%s", commit])).toBe("worker: Wrote the notes.");
    expect(dataOf("run-a", "lane_changes")).toEqual([
      {
        commit,
        files_changed: 1,
        insertions: 2,
        deletions: 0,
        diff_artifact: "lane-diff",
        files: [{ path: "NOTES.md", change: "added", insertions: 2, deletions: 0 }],
      },
    ]);
    // The write outside the worktree was refused (acceptEdits covers cwd only), and the model was told.
    expect(lastMessages(anthropic)).toContain("Path is outside allowed working directories");
    expect(existsSync(join(repo.repo, "escaped.txt"))).toBe(false);
    expect(repo.git(["status", "--porcelain"])).toBe("");
  });

  it("Claude Code with allowed_tools [] is kept to the worktree: its shell command outside is denied, Write inside lands", async () => {
    const { anthropic, env, repo, tree } = await claudeSetup("strict-lane");
    anthropic.script([
      { kind: "shell", command: `echo out > ${join(repo.repo, "bash-escaped.txt")}` },
      { kind: "tool", name: "Write", input: { file_path: join(tree, "README.md"), content: "strict\n" } },
      { kind: "text", text: "Kept inside." },
    ]);
    await laneRunner("claude_code", () => createClaudeCodeAgent({ env }));
    const lane = laneOf(repo, "strict-lane");
    const config = { allowed_tools: [] };
    hub!.send(dispatch("run-s", "Stay inside.", { backend: "claude_code", lane, config, cwd: undefined }));
    await ended("run-s");

    expect(existsSync(join(repo.repo, "bash-escaped.txt"))).toBe(false);
    expect(repo.git(["show", `${lane.branch}:README.md`])).toBe("strict");
    expect(dataOf("run-s", "file_changed")).toContainEqual({
      path: "README.md",
      change: "modified",
      insertions: 1,
      deletions: 1,
    });
    expect(lastMessages(anthropic)).toContain("Permission for this tool use was denied");
  });
});
