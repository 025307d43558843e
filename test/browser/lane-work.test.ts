// A repo lane's work in the dashboard: wrangler dev, a real `switchyard-runner connect --lanes`,
// real git and the real codex CLI (only its model faked) editing a file in the lane's worktree.
// The board shows the lane reach review; the worker's page shows its commit, diff and test gate
// (read through get_event_artifact); Land from the board merges the branch into main.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAi, type FakeOpenAi } from "../fixtures/fake-openai-responses.ts";
import { makeRepo, type TestRepo } from "../runner/support/git-repo.ts";
import { agentPids, makeAgentsEnv, type AgentsEnv } from "../e2e/support/agents-env.ts";
import { callOk, connectHttp } from "../e2e/support/mcp-http.ts";
import { RunnerProcess } from "../e2e/support/runner-process.ts";
import { WranglerDev } from "../e2e/support/wrangler-dev.ts";
import { launchChromium, screenshot, signedInPage } from "./support/chromium.ts";

const MCP_TOKEN = "browser-lanes-mcp";
const RUNNER_TOKEN = "browser-lanes-runner";
const RUNNER = "browser-lanes";
const LANE = "shared-line";
const WAIT = { timeout: 150_000 };
const BEFORE = "line one\nline two\nline three\n";
const AFTER = "line one\nline two by the lane\nline three\n";
const TEST_COMMAND = "grep -q 'by the lane' shared.txt && echo gate passed";

let openai: FakeOpenAi;
let agents: AgentsEnv;
let repo: TestRepo;
let dev: WranglerDev;
let runner: RunnerProcess;
let client: Client;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  openai = await startFakeOpenAi();
  agents = await makeAgentsEnv(openai.url, "http://127.0.0.1:9");
  // Outside /tmp: codex's workspace-write sandbox lets commands write /tmp as well as cwd.
  repo = await makeRepo({ "shared.txt": BEFORE }, "/var/tmp");
  dev = new WranglerDev({
    vars: { SWITCHYARD_TOKENS: `lanes=${MCP_TOKEN}`, SWITCHYARD_RUNNER_TOKENS: `lanes=${RUNNER_TOKEN}` },
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
  browser = await launchChromium();
  page = await signedInPage(browser, dev.url, MCP_TOKEN);
});

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await runner?.stop();
  await dev?.stop();
  for (const pid of agents ? await agentPids(agents.home) : []) process.kill(pid, "SIGKILL");
  await openai?.close();
  await repo?.remove();
});

const laneCard = (status: string) =>
  page.getByRole("list", { name: `${status} lanes` }).getByRole("listitem", { name: `Lane ${LANE}` });

/** A small artifact is whole in get_run's result: its text, asserted to be there rather than stored apart. */
function wholeText(run: Record<string, any>, artifactId: string): string {
  const artifact = run.result.artifacts.find((a: { artifact_id: string }) => a.artifact_id === artifactId);
  expect(artifact.text_ref).toBeUndefined();
  return artifact.text;
}

describe("a repo lane on the board", () => {
  let workerRunId = "";

  it("reaches review once codex's change passes the test gate, and says where its worktree is", async () => {
    await callOk(client, "manage_lane", {
      operation: "upsert",
      lane_id: LANE,
      title: "Reword line two",
      repo: repo.repo,
      base: "main",
      backend: "codex",
      test_command: TEST_COMMAND,
    });
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Lanes" }).click();
    await laneCard("planned").waitFor(WAIT);

    openai.script([
      { kind: "shell", command: `printf '${AFTER.replaceAll("\n", "\\n")}' > shared.txt` },
      { kind: "text", text: "Reworded line two." },
    ]);
    await callOk(client, "manage_lane", { operation: "enqueue", lane_id: LANE, prompt: "Reword line two." });
    await laneCard("review").waitFor(WAIT);
    expect(await laneCard("review").getByText(`switchyard/${LANE} on ${RUNNER}`).count()).toBe(1);
    const activity = await callOk(client, "get_lane_activity", { lane_id: LANE });
    expect(activity.lane.status).toBe("review");
    workerRunId = activity.lane_runs[0].run_id;
  });

  it("the worker's page shows its commit, its diff and the test gate's output", async () => {
    await page.goto(`${dev.url}/runs/${workerRunId}`);
    const work = page.getByRole("region", { name: "Lane work" });
    await work.waitFor(WAIT);
    const run = await callOk(client, "get_run", { run_id: workerRunId });
    expect(run.changes).toMatchObject({ files_changed: 1, insertions: 1, deletions: 1 });
    expect(await work.getByText(/^commit /).textContent()).toBe(
      `commit ${run.changes.commit.slice(0, 12)}: 1 file, +1 −1`,
    );
    const diff = work.getByLabel("diff", { exact: true });
    expect(await diff.textContent()).toBe(wholeText(run, run.changes.diff_artifact));
    expect(await diff.textContent()).toContain("+line two by the lane");

    expect(run.tests).toMatchObject({ command: TEST_COMMAND, passed: true, exit_code: 0 });
    const output = work.getByLabel("test output", { exact: true });
    expect(await output.textContent()).toBe(wholeText(run, run.tests.output_artifact));
    expect(await output.textContent()).toContain("gate passed");
    await screenshot(page, "lane-run");
  });

  it("Land on the board merges the lane's branch into main and moves it to merged", async () => {
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Lanes" }).click();
    await laneCard("review").getByRole("button", { name: "Land" }).click();
    await laneCard("merged").waitFor(WAIT);
    expect(readFileSync(join(repo.repo, "shared.txt"), "utf8")).toBe(AFTER);
    expect((await callOk(client, "manage_lane", { operation: "get", lane_id: LANE })).lane.status).toBe(
      "merged",
    );
    await screenshot(page, "lane-merged");
  });
});
