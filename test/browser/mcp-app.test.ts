// The run view as an MCP App in real Chromium: a host page (the ext-apps SDK's AppBridge and the
// real MCP client, same-origin with `wrangler dev`) renders get_run's and list_runs' `ui://`
// resource in a sandboxed iframe. A real A2A agent's events arrive live through poll_events calls
// the app makes over the bridge, each shown once, and the run ends shown as completed.
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { build } from "esbuild";
import type { Browser, FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startA2aAgents, type A2aAgentUrls } from "../fixtures/a2a-agents.ts";
import { allEvents, callOk, connectHttp } from "../e2e/support/mcp-http.ts";
import { WranglerDev } from "../e2e/support/wrangler-dev.ts";
import { launchChromium, screenshot } from "./support/chromium.ts";
import type { BridgedCall, HostWindow } from "./support/mcp-app-host.ts";

const TOKEN = "mcp-app-token-acme";
const WAIT = { timeout: 90_000 };

let agents: { urls: A2aAgentUrls; close(): Promise<void> };
let dev: WranglerDev;
let client: Client;
let browser: Browser;
let page: Page;
/** Script errors in the host page or the app's frame: none may occur. */
const pageProblems: string[] = [];

/** The host page: its bundled script inline, served at the Worker's origin so /mcp is same-origin. */
async function hostPage(): Promise<string> {
  const { outputFiles } = await build({
    entryPoints: [fileURLToPath(new URL("./support/mcp-app-host.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "warning",
  });
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>MCP Apps host</title>` +
    `<style>iframe{width:100%;height:1400px;border:1px solid #888}</style></head><body>` +
    `<script>window.hostToken = ${JSON.stringify(TOKEN)};</script>` +
    `<script type="module">${outputFiles[0]!.text.replace(/<\/script/gi, "<\\/script")}</script></body></html>`
  );
}

beforeAll(async () => {
  agents = await startA2aAgents();
  dev = new WranglerDev({
    vars: { SWITCHYARD_TOKENS: `acme=${TOKEN}`, SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*" },
  });
  const [html] = await Promise.all([hostPage(), dev.start()]);
  client = await connectHttp(dev.url, TOKEN);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  // Only the host page itself is made up here; /mcp and everything else reach the Worker.
  await context.route(`${dev.url}/__host`, (route) =>
    route.fulfill({ contentType: "text/html", body: html }),
  );
  page = await context.newPage();
  page.on("pageerror", (e) => pageProblems.push(`pageerror: ${e.message}`));
});

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await dev?.stop();
  await agents?.close();
});

const spawn = (agent: keyof A2aAgentUrls, prompt: string) =>
  callOk(client, "spawn_run", {
    backend: "remote_a2a",
    prompt,
    backend_config: { agent_url: agents.urls[agent] },
  });

/** Opens the host page afresh and has it show `tool`'s result in its app; returns the app's frame. */
async function show(tool: string, args: Record<string, unknown>): Promise<FrameLocator> {
  await page.goto(`${dev.url}/__host`);
  const uri = await page.evaluate(([t, a]) => (globalThis as unknown as HostWindow).showTool(t, a), [
    tool,
    args,
  ] as const);
  expect(uri).toBe("ui://switchyard/run-view.html");
  return page.frameLocator("iframe");
}

const bridged = () =>
  page.evaluate(() => (globalThis as unknown as HostWindow).bridged) as Promise<BridgedCall[]>;

/** The events the app shows, as [seq, type]. */
const shownEvents = (app: FrameLocator) =>
  app
    .getByRole("list", { name: "Events" })
    .locator(":scope > li")
    .evaluateAll((items) =>
      items.map((li) => [Number(li.getAttribute("data-seq")), li.querySelector(".type")!.textContent]),
    );

const polledEvents = async (runId: string) => (await allEvents(client, runId)).map((e) => [e.seq, e.type]);

describe("the run view inside an MCP Apps host", () => {
  let runId = "";

  it("get_run's app shows a running agent's events as they arrive, then its final status and result", async () => {
    runId = (await spawn("slow", "watch the build")).run_id;
    const app = await show("get_run", { run_id: runId });
    await app.getByRole("heading", { name: runId }).waitFor(WAIT);
    const status = app.locator(".run-head .status");
    await expect.poll(async () => (await shownEvents(app)).length, WAIT).toBeGreaterThanOrEqual(4);
    const first = (await shownEvents(app)).length;
    // While the agent still ticks, more arrive: each a poll_events answer the app asked for.
    await expect.poll(async () => (await shownEvents(app)).length, WAIT).toBeGreaterThanOrEqual(first + 3);
    expect(await status.textContent()).toBe("running");
    await screenshot(page, "mcp-app-run-live");

    await status.getByText("completed").waitFor({ timeout: 120_000 });
    await app.getByLabel("Final response").getByText("slow done").waitFor(WAIT);
    const polled = await polledEvents(runId);
    expect(polled.at(-1)).toEqual([polled.length, "status_changed"]);
    await expect.poll(() => shownEvents(app), WAIT).toEqual(polled);

    // Every event shown came from a poll_events call the app made through the bridge, once.
    const calls = await bridged();
    const polls = calls.filter((c) => c.name === "poll_events");
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.every((c) => c.arguments.run_id === runId && c.arguments.wait_ms === 30_000)).toBe(true);
    expect(polls.flatMap((c) => c.seqs!)).toEqual(polled.map(([seq]) => seq));
    // Each poll starts after the last event the one before returned: no event asked for twice.
    for (let i = 1; i < polls.length; i++)
      expect(polls[i]!.arguments.after_seq).toBe(
        polls[i - 1]!.seqs!.at(-1) ?? polls[i - 1]!.arguments.after_seq,
      );
    expect(calls.filter((c) => c.name !== "poll_events").every((c) => c.name === "get_run")).toBe(true);
    await screenshot(page, "mcp-app-run-completed");
  });

  it("list_runs' app lists the runs and opens one, with its events and final status", async () => {
    const app = await show("list_runs", { limit: 20 });
    const row = app.locator(`tr[data-run-id="${runId}"]`);
    await row.locator(".status", { hasText: "completed" }).waitFor(WAIT);
    await row.getByRole("link", { name: runId }).click();
    await app.getByRole("heading", { name: runId }).waitFor(WAIT);
    await app.locator(".run-head .status").getByText("completed").waitFor(WAIT);
    await expect.poll(() => shownEvents(app), WAIT).toEqual(await polledEvents(runId));
    await app.getByRole("button", { name: "← Runs" }).click();
    await row.waitFor(WAIT);
    expect((await bridged()).map((c) => c.name)).toContain("list_runs");
    await screenshot(page, "mcp-app-runs");
  });

  it("a refused call's app shows the tool's error code and message", async () => {
    const app = await show("get_run", { run_id: "run_nosuchrun0000000000000" });
    const alert = app.getByRole("alert");
    await alert.waitFor(WAIT);
    const refused = (
      await client.callTool({ name: "get_run", arguments: { run_id: "run_nosuchrun0000000000000" } })
    ).content as { text: string }[];
    const body = JSON.parse(refused[0]!.text) as { code: string; message: string; field: string };
    expect(body).toMatchObject({ code: "not_found", field: "run_id" });
    expect(await alert.textContent()).toBe(`${body.code}: ${body.message} (field ${body.field})`);
    expect(await bridged()).toEqual([]);
  });

  it("no script error in the host or the app", () => {
    expect(pageProblems).toEqual([]);
  });
});
