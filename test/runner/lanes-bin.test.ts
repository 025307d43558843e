// `switchyard-runner connect --lanes` as a child process with the real codex CLI (only the model
// faked): it announces lanes, runs a lane run in the lane's worktree, commits codex's edit, and
// lands the lane when the hub asks, answering with lane.reply.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { RunnerFrame } from "../../shared/protocol/frames.ts";
import { codexConfigToml, startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { killProcessesWithEnv, makeTempDir } from "./support/agent-harness.ts";
import { FakeHub } from "./support/fake-hub.ts";
import { laneOf, makeRepo, treePath, type TestRepo } from "./support/git-repo.ts";
import { dispatch } from "./support/runner.ts";

const BIN = fileURLToPath(new URL("../../runner/bin.ts", import.meta.url));

let hub: FakeHub;
let fake: FakeOpenAi;
let repo: TestRepo;
let home: Awaited<ReturnType<typeof makeTempDir>>;
afterEach(async () => {
  await killProcessesWithEnv(`HOME=${home.path}`);
  await hub.stop();
  await fake.close();
  await home.remove();
  await repo.remove();
});

describe("switchyard-runner connect --lanes", () => {
  it("announces lanes, commits codex's edit in the lane's worktree, and lands the lane on request", async () => {
    hub = await FakeHub.start();
    fake = await startFakeOpenAi();
    // Outside /tmp, which codex's sandbox leaves writable.
    repo = await makeRepo({ "README.md": "hello\n" }, "/var/tmp");
    home = await makeTempDir("codex-home");
    await writeFile(join(home.path, "config.toml"), codexConfigToml(fake.url, "FAKE_OPENAI_KEY"));
    fake.script([
      { kind: "shell", command: "echo 'edited through the CLI' > README.md" },
      { kind: "text", text: "Edited README.md." },
    ]);
    const child = spawn(
      process.execPath,
      [BIN, "connect", "--url", hub.url, "--lanes", "--root", repo.root],
      {
        env: {
          ...process.env,
          SWITCHYARD_RUNNER_TOKEN: "runner-token",
          HOME: home.path,
          CODEX_HOME: home.path,
          FAKE_OPENAI_KEY: "fake",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += String(chunk)));
    const exited = once(child, "exit").then(([code]) => code as number | null);

    await hub.waitFor(() => hub.connections[0]?.frames[0] !== undefined, "the hello", 30_000);
    expect(hub.current.frames[0]).toMatchObject({ type: "runner.hello", labels: { lanes: "true" } });

    const lane = laneOf(repo, "cli-lane");
    hub.send(dispatch("run-cli", "Edit the README.", { lane, role: "worker", cwd: undefined }));
    const ended = () =>
      hub.items("run-cli").some((i) => i.output.kind === "event" && i.output.event.type === "run_completed");
    await hub.waitFor(ended, "the run's end", 90_000);
    const commit = repo.git(["rev-parse", lane.branch]);
    expect(repo.git(["show", `${commit}:README.md`])).toBe("edited through the CLI");
    expect(stdout).toContain(`run run-cli started (codex in ${treePath(repo, "cli-lane")})`);

    type Reply = Extract<RunnerFrame, { type: "lane.reply" }>;
    hub.send({
      type: "lane.land",
      request_id: "land-1",
      lane,
      strategy: "fast_forward_or_merge",
      remove_worktree: true,
    });
    const reply = () => hub.current.frames.find((f): f is Reply => f.type === "lane.reply");
    await hub.waitFor(() => reply() !== undefined, "the land reply", 30_000);
    expect(reply()).toEqual({
      type: "lane.reply",
      request_id: "land-1",
      result: { ok: true, commit, strategy: "fast_forward", worktree_removed: true },
    });
    expect(readFileSync(join(repo.repo, "README.md"), "utf8")).toBe("edited through the CLI\n");

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
