// Approvals answered from the dashboard: wrangler dev, a real switchyard-runner process and the
// real Claude Code with a fake Messages model asking to run a command. The run's page shows what
// the agent asks; Approve lets the command really run in the same turn, Deny (with a reason) keeps
// it from running and the agent reads the reason. The runners page shows that real runner.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestMessages, startFakeAnthropic, type FakeAnthropic } from "../fixtures/fake-anthropic.ts";
import { makeAgentsEnv, type AgentsEnv } from "../e2e/support/agents-env.ts";
import { AgentsStack, MCP_TOKEN } from "../e2e/support/agents-stack.ts";
import { allEvents, callOk } from "../e2e/support/mcp-http.ts";
import { ASKED_COMMAND as COMMAND, spawnAskingRun } from "../e2e/support/asking-run.ts";
import { launchChromium, screenshot, signedInPage } from "./support/chromium.ts";

const RUNNER = "browser-approvals";
const WAIT = { timeout: 60_000 };

let anthropic: FakeAnthropic;
let agents: AgentsEnv;
let stack: AgentsStack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  anthropic = await startFakeAnthropic();
  agents = await makeAgentsEnv("http://127.0.0.1:9", anthropic.url);
  stack = await AgentsStack.start(RUNNER, agents);
  browser = await launchChromium();
  page = await signedInPage(browser, stack.dev.url, MCP_TOKEN);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await anthropic?.close();
});

/** A relaying claude_code run asked to run COMMAND, opened on its page once it waits on the caller. */
async function waitingRun(name: string) {
  const { runId, cwd } = await spawnAskingRun(stack.client, agents, anthropic, name);
  await page.goto(`${stack.dev.url}/runs/${runId}`);
  await page.locator(".run-head .status", { hasText: "input_required" }).waitFor(WAIT);
  return { runId, cwd };
}

const approvalForm = () => page.getByRole("form", { name: "Approval" });
const status = () => page.locator(".run-head .status");
const shownEvents = () =>
  page
    .getByRole("list", { name: "Events" })
    .locator(":scope > li")
    .evaluateAll((items) =>
      items.map((li) => [Number(li.getAttribute("data-seq")), li.querySelector(".type")!.textContent]),
    );

describe("approvals from the run's page", () => {
  it("shows what the agent asks; Approve runs the command in the same turn", async () => {
    const { runId, cwd } = await waitingRun("approve");
    const asked = await callOk(stack.client, "get_run", { run_id: runId });
    expect(await approvalForm().locator("strong").textContent()).toBe("Bash");
    expect(await approvalForm().locator("code").first().textContent()).toBe(COMMAND);
    // A pending approval is answered with Approve or Deny, not with a free-text answer.
    expect(await page.getByRole("form", { name: "Answer the agent" }).count()).toBe(0);
    expect(existsSync(join(cwd, "made.txt"))).toBe(false);
    await screenshot(page, "approval");

    await approvalForm().getByRole("button", { name: "Approve" }).click();
    await status().getByText("completed").waitFor(WAIT);
    expect(existsSync(join(cwd, "made.txt"))).toBe(true);
    const events = await allEvents(stack.client, runId);
    expect(events.filter((e) => e.type === "approval_resolved").map((e) => e.data)).toEqual([
      { request_id: asked.pending_approval.request_id, approve: true, by: "caller" },
    ]);
    expect(events.filter((e) => e.type === "run_started")).toHaveLength(1);
    await expect.poll(shownEvents, WAIT).toEqual(events.map((e) => [e.seq, e.type]));
    expect(await page.getByLabel("Final response").textContent()).toBe("Finished.");
  });

  it("Deny with a reason: the command does not run and the agent reads the reason", async () => {
    const { runId, cwd } = await waitingRun("deny");
    const before = anthropic.requests.filter((r) => r.scripted).length;
    await approvalForm().getByLabel("Reason (told to the agent)").fill("use the Makefile");
    await approvalForm().getByRole("button", { name: "Deny" }).click();
    await status().getByText("completed").waitFor(WAIT);
    expect(existsSync(join(cwd, "made.txt"))).toBe(false);
    const next = anthropic.requests.filter((r) => r.scripted)[before]!;
    expect(JSON.stringify(requestMessages(next))).toContain("the caller denied it: use the Makefile");
    const resolved = (await allEvents(stack.client, runId)).filter((e) => e.type === "approval_resolved");
    expect(resolved.map((e) => e.data.approve)).toEqual([false]);
  });
});

describe("the runners page", () => {
  it("shows the connected runner under the backends it offers, with its free slots", async () => {
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Runners" }).click();
    const table = page.getByRole("table", { name: "Backends" });
    await table.waitFor(WAIT);
    const { backends } = await callOk(stack.client, "list_available_backends", {});
    const claude = backends.find((b: { backend: string }) => b.backend === "claude_code");
    const offer = claude.runners.find((r: { runner: string }) => r.runner === RUNNER);
    const row = table.locator("tbody tr", { hasText: "claude_code" });
    expect(await row.locator(".availability").textContent()).toBe(claude.availability_state);
    expect(await row.locator("td").nth(3).textContent()).toContain(`${RUNNER}`);
    expect(await row.locator("td").nth(3).textContent()).toContain(`${offer.free_slots} free`);
    await screenshot(page, "runners");
  });
});
