// The dashboard in real Chromium against `wrangler dev`, with real A2A agents from the fixtures:
// sign-in with the token form, runs appearing and changing without a reload, a run's events
// streaming live (each once, in order, as poll_events has them), cancel, an answered input
// request, a lane moving across the board as its review loop runs, runners, metrics, sign-out.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderEvent } from "../../cli/render.ts";
import type { RunEvent } from "../../shared/runs/events.ts";
import { startA2aAgents, type A2aAgentUrls, type A2aReceived } from "../fixtures/a2a-agents.ts";
import { startFakeOpenAiChat, type FakeOpenAiChat } from "../fixtures/fake-openai-chat.ts";
import { allEvents, callOk, connectHttp } from "../e2e/support/mcp-http.ts";
import { runCli } from "../e2e/support/switchyard-cli.ts";
import { WranglerDev } from "../e2e/support/wrangler-dev.ts";
import { launchChromium, screenshot } from "./support/chromium.ts";

const TOKEN = "browser-token-acme";
const WAIT = { timeout: 60_000 };
/** The fake model's name, priced so the metrics show a cost. */
const MODEL = "small-chat";

let agents: { urls: A2aAgentUrls; close(): Promise<void> };
let model: FakeOpenAiChat;
let dev: WranglerDev;
let client: Client;
let browser: Browser;
let page: Page;
/** Script errors and CSP refusals the page reported: none may occur. */
const pageProblems: string[] = [];

beforeAll(async () => {
  [agents, model] = await Promise.all([startA2aAgents(), startFakeOpenAiChat()]);
  dev = new WranglerDev({
    vars: {
      SWITCHYARD_TOKENS: `acme=${TOKEN}`,
      SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*",
      SWITCHYARD_PRICES: JSON.stringify({ [MODEL]: { input_per_mtok: 3, output_per_mtok: 15 } }),
    },
  });
  await dev.start();
  client = await connectHttp(dev.url, TOKEN);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  // Every WebSocket the app opens, kept where a test can find and drop it.
  await page.addInitScript(() => {
    const Native = WebSocket;
    const opened: WebSocket[] = [];
    (globalThis as any).__sockets = opened;
    (globalThis as any).WebSocket = class extends Native {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        opened.push(this);
      }
    };
  });
  page.on("pageerror", (e) => pageProblems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) pageProblems.push(`csp: ${m.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await dev?.stop();
  await agents?.close();
  await model?.close();
});

const spawn = (agent: keyof A2aAgentUrls, prompt: string) =>
  callOk(client, "spawn_run", {
    backend: "remote_a2a",
    prompt,
    backend_config: { agent_url: agents.urls[agent] },
  });

const received = async (agent: keyof A2aAgentUrls) =>
  (await (await fetch(`${agents.urls[agent]}/__received`)).json()) as A2aReceived;

const runRow = (runId: string) => page.locator(`tr[data-run-id="${runId}"]`);
const eventItems = () => page.getByRole("list", { name: "Events" }).locator(":scope > li");
const runStatus = () => page.locator(".run-head .status");
/** The events the page shows, as [seq, type]. */
const shownEvents = () =>
  eventItems().evaluateAll((items) =>
    items.map((li) => [Number(li.getAttribute("data-seq")), li.querySelector(".type")!.textContent]),
  );
const polledEvents = async (runId: string) => (await allEvents(client, runId)).map((e) => [e.seq, e.type]);

/** Set on the window; still there later means the page was never reloaded. */
const markPage = () => page.evaluate(() => ((globalThis as any).__sameDocument = true));
const samePage = () => page.evaluate(() => (globalThis as any).__sameDocument === true);

const laneCard = (status: string, laneId: string) =>
  page.getByRole("list", { name: `${status} lanes` }).getByRole("listitem", { name: `Lane ${laneId}` });

let streamedRunId = "";

describe("signing in", () => {
  it("refuses a wrong token with the server's message and signs in with the tenant's token", async () => {
    await page.goto(dev.url);
    await page.getByLabel("Tenant token").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("alert").waitFor(WAIT);
    expect(await page.getByRole("navigation", { name: "Sections" }).count()).toBe(0);

    await page.getByLabel("Tenant token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("navigation", { name: "Sections" }).waitFor(WAIT);
    expect(await page.locator(".tenant").textContent()).toBe("tenant acme");
    expect(await page.getByRole("heading", { name: "Runs" }).count()).toBe(1);
  });
});

describe("other ways in", () => {
  /** A browser context of its own: its cookies are not the main page's. */
  const freshPage = async () => (await browser.newContext()).newPage();

  it("signs in through the server's OAuth consent page with the tenant key", async () => {
    const other = await freshPage();
    await other.goto(dev.url);
    await other.getByRole("link", { name: "Sign in with OAuth" }).click();
    await other.getByLabel("Tenant key or invitation code").fill(TOKEN);
    await other.getByRole("button", { name: "Allow" }).click();
    await other.getByRole("navigation", { name: "Sections" }).waitFor(WAIT);
    expect(new URL(other.url()).pathname).toBe("/");
    expect(await other.locator(".tenant").textContent()).toBe("tenant acme");
    await other.context().close();
  });

  it("a one-time link signs in once; opened again it says the link was used", async () => {
    const made = await fetch(`${dev.url}/dashboard/signin-links`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(made.status).toBe(201);
    const { url } = (await made.json()) as { url: string };
    const first = await freshPage();
    await first.goto(url);
    await first.getByRole("navigation", { name: "Sections" }).waitFor(WAIT);
    await first.context().close();

    const second = await freshPage();
    await second.goto(url);
    await second.getByLabel("Tenant token").waitFor(WAIT);
    expect(await second.getByRole("alert").textContent()).toContain("was used already");
    await second.context().close();
  });
});

describe("runs", () => {
  it("a run spawned through MCP appears in the list and reaches completed without a reload", async () => {
    await markPage();
    const run = await spawn("streaming", "summarise the repository");
    streamedRunId = run.run_id;
    await runRow(run.run_id).waitFor(WAIT);
    await runRow(run.run_id).getByText("completed").waitFor(WAIT);
    expect(await runRow(run.run_id).locator("td").nth(2).textContent()).toBe("remote_a2a");
    expect(await samePage()).toBe(true);
  });

  it("the status filter lists only runs in that status", async () => {
    const failed = await spawn("failing", "run the migration");
    await runRow(failed.run_id).getByText("failed").waitFor(WAIT);
    await page.getByLabel("Status").selectOption("failed");
    await expect.poll(() => page.locator("tbody tr").count(), WAIT).toBe(1);
    expect(await page.locator("tbody tr").getAttribute("data-run-id")).toBe(failed.run_id);
    await page.getByLabel("Status").selectOption("");
    await runRow(streamedRunId).waitFor(WAIT);
  });
});

describe("a run's page", () => {
  let slowRunId = "";

  it("shows a streaming agent's events as they arrive", async () => {
    const run = await spawn("slow", "watch the build");
    slowRunId = run.run_id;
    await runRow(slowRunId).getByRole("link", { name: slowRunId }).click();
    await page.getByRole("heading", { name: slowRunId }).waitFor(WAIT);
    await expect.poll(() => eventItems().count(), WAIT).toBeGreaterThanOrEqual(4);
    const first = await eventItems().count();
    // More arrive while the agent is still ticking: the socket pushes them, nothing reloads.
    await expect.poll(() => eventItems().count(), WAIT).toBeGreaterThanOrEqual(first + 3);
    expect(await runStatus().textContent()).toBe("running");
    expect(
      await page.getByRole("list", { name: "Events" }).getByText("tick 2", { exact: true }).count(),
    ).toBe(1);
  });

  it("cancels the run: the agent is told, and the page holds every event once, in poll_events' order", async () => {
    const cancelsBefore = (await received("slow")).cancels.length;
    await page.getByRole("button", { name: "Cancel run" }).click();
    await runStatus().getByText("cancelled").waitFor(WAIT);
    const polled = await polledEvents(slowRunId);
    expect(polled.at(-1)).toEqual([polled.length, "status_changed"]);
    await expect.poll(shownEvents, WAIT).toEqual(polled);
    expect((await received("slow")).cancels.length).toBe(cancelsBefore + 1);
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    await screenshot(page, "run-cancelled");
  });

  it("after its socket drops, the page reconnects after the last event it has: none twice, none missing", async () => {
    const run = await spawn("slow", "tail the logs");
    await page.goto(`${dev.url}/runs/${run.run_id}`);
    await expect.poll(() => eventItems().count(), WAIT).toBeGreaterThanOrEqual(4);
    const socketUrls = () =>
      page.evaluate(
        (id) =>
          ((globalThis as any).__sockets as { url: string }[])
            .map((ws) => ws.url)
            .filter((url) => url.includes(`/dashboard/runs/${id}/live`)),
        run.run_id,
      );
    expect(await socketUrls()).toHaveLength(1);
    // A drop as the app sees one: the socket goes quiet at once and reports its close, whatever was
    // still on its way is lost (a client-side close() would wait for the server's closing handshake).
    await page.evaluate((id) => {
      // The page's own WebSocket objects (the DOM's, which this file's types do not describe).
      const sockets = (globalThis as any).__sockets as any[];
      const ws = sockets.filter((s) => s.url.includes(`/dashboard/runs/${id}/live`)).at(-1);
      const reportClose = ws.onclose;
      ws.onmessage = null;
      ws.onclose = null;
      ws.close();
      reportClose.call(ws, new CloseEvent("close", { code: 1006 }));
    }, run.run_id);
    await expect.poll(async () => (await socketUrls()).length, WAIT).toBe(2);
    const resumedAfter = Number(new URL((await socketUrls())[1]!).searchParams.get("after_seq"));
    expect(resumedAfter).toBeGreaterThanOrEqual(4);
    await expect.poll(() => eventItems().count(), WAIT).toBeGreaterThan(resumedAfter + 2);
    await callOk(client, "cancel_run", { run_id: run.run_id });
    await runStatus().getByText("cancelled").waitFor(WAIT);
    await expect.poll(shownEvents, WAIT).toEqual(await polledEvents(run.run_id));
  });

  it("answers an input request: the agent gets the answer and completes", async () => {
    const run = await spawn("inputRequired", "greet me");
    // A deep link: the Worker answers the client route with the app.
    await page.goto(`${dev.url}/runs/${run.run_id}`);
    await runStatus().getByText("input_required").waitFor(WAIT);
    const question = page.locator(".event-input_required .text");
    await question.waitFor(WAIT);
    expect(await question.textContent()).toBe("What is your name?");
    await page.getByLabel("Answer", { exact: true }).fill("Ada");
    await page.getByRole("button", { name: "Send answer" }).click();
    await runStatus().getByText("completed").waitFor(WAIT);
    expect(await page.getByLabel("Final response").textContent()).toBe("Hello, Ada");
    expect(JSON.parse((await page.getByLabel("Structured output").textContent())!)).toEqual({
      answer: "Ada",
    });
    const followUps = (await received("inputRequired")).messages.filter((m) => m.text === "Ada");
    expect(followUps).toHaveLength(1);
    expect(followUps[0]!.taskId).not.toBeNull();
    await expect.poll(shownEvents, WAIT).toEqual(await polledEvents(run.run_id));
  });

  it("shows the completed run's result, usage and artifact", async () => {
    await page.goto(`${dev.url}/runs/${streamedRunId}`);
    await runStatus().getByText("completed").waitFor(WAIT);
    expect(await page.getByLabel("Final response").textContent()).toBe("final answer");
    const usage = page.getByRole("region", { name: "Usage" });
    expect(await usage.locator("dt:text-is('input tokens') + dd").textContent()).toBe("11");
    expect(await usage.locator("dt:text-is('output tokens') + dd").textContent()).toBe("7");
    const artifacts = page.getByRole("list", { name: "Artifacts" });
    expect(await artifacts.getByRole("heading").allTextContents()).toEqual(["report.txt"]);
    expect(await artifacts.locator("pre").first().textContent()).toBe("artifact body");
    await expect.poll(shownEvents, WAIT).toEqual(await polledEvents(streamedRunId));
    // One event opens to its JSON.
    await eventItems().nth(2).locator("summary").click();
    expect(JSON.parse((await eventItems().nth(2).locator("pre").textContent())!)).toMatchObject({
      text: "step 1",
    });
    await screenshot(page, "run-completed");
  });
});

describe("lanes", () => {
  const LANE = "docs-refresh";

  it("a lane moves from planned to review as its worker and reviewer run, without a reload", async () => {
    await callOk(client, "manage_lane", {
      operation: "upsert",
      lane_id: LANE,
      title: "Refresh the getting-started docs",
      backend: "remote_a2a",
      backend_config: { agent_url: agents.urls.streaming },
      review: { backend: "remote_a2a", backend_config: { agent_url: agents.urls.reviewer }, max_cycles: 3 },
    });
    await callOk(client, "manage_lane", {
      operation: "upsert",
      lane_id: "api-cleanup",
      title: "Tidy the API",
    });
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Lanes" }).click();
    await laneCard("planned", LANE).waitFor(WAIT);
    await markPage();

    await callOk(client, "manage_lane", { operation: "enqueue", lane_id: LANE, prompt: "refresh the docs" });
    // worker → reviewer (fail) → remediation → reviewer (pass): the lane is ready to land.
    await laneCard("review", LANE).waitFor(WAIT);
    expect(await laneCard("planned", LANE).count()).toBe(0);
    expect(await laneCard("review", LANE).locator(".verdict").allTextContents()).toEqual(["fail", "pass"]);
    expect(await laneCard("planned", "api-cleanup").count()).toBe(1);
    expect(await samePage()).toBe(true);
    const activity = await callOk(client, "get_lane_activity", { lane_id: LANE });
    expect(activity.lane.status).toBe("review");
    expect(activity.reviews.map((r: { verdict: string }) => r.verdict)).toEqual(["fail", "pass"]);
    await screenshot(page, "lanes");
  });

  it("land's refusal shows the tool's code and field; close moves the lane to closed", async () => {
    const card = laneCard("review", LANE);
    await card.getByRole("button", { name: "Land" }).click();
    const alert = card.getByRole("alert");
    await alert.waitFor(WAIT);
    expect(await alert.textContent()).toMatch(/^bad_request: .*has no repo.*\(field lane_id\)$/);
    expect((await callOk(client, "manage_lane", { operation: "get", lane_id: LANE })).lane.status).toBe(
      "review",
    );

    await card.getByRole("button", { name: "Close" }).click();
    await laneCard("closed", LANE).waitFor(WAIT);
    expect((await callOk(client, "manage_lane", { operation: "get", lane_id: LANE })).lane.status).toBe(
      "closed",
    );
  });
});

describe("lineage", () => {
  it("a reviewer's page links to the worker it reviewed, and the worker's page lists it as a child", async () => {
    const [review] = (await callOk(client, "get_lane_activity", { lane_id: "docs-refresh" })).reviews;
    await page.goto(`${dev.url}/runs/${review.reviewer_run_id}`);
    const lineage = page.getByRole("region", { name: "Lineage" });
    await lineage.getByRole("link", { name: review.worker_run_id }).click();
    await page.getByRole("heading", { name: review.worker_run_id }).waitFor(WAIT);
    const children = page.getByRole("list", { name: "Child runs" });
    const worker = await callOk(client, "get_run", { run_id: review.worker_run_id });
    expect(await children.getByRole("link").allTextContents()).toEqual(worker.child_run_ids);
    expect(worker.child_run_ids).toContain(review.reviewer_run_id);
  });
});

describe("runners and metrics", () => {
  it("lists every backend list_available_backends knows, with its availability", async () => {
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Runners" }).click();
    const table = page.getByRole("table", { name: "Backends" });
    await table.waitFor(WAIT);
    const { backends } = await callOk(client, "list_available_backends", {});
    expect(await table.locator("tbody tr td:first-child").allTextContents()).toEqual(
      backends.map((b: { backend: string }) => b.backend),
    );
    const a2a = table.locator("tbody tr", { hasText: "remote_a2a" });
    expect(await a2a.locator(".availability").textContent()).toBe("available");
  });

  it("charts tokens by backend and shows each backend's runs, success rate and cost as get_metrics has them", async () => {
    const chat = await callOk(client, "spawn_run", {
      backend: "openai_compatible",
      prompt: "name three prime numbers",
      backend_config: { base_url: model.baseUrl, model: MODEL, api_key: "sk-browser-test" },
    });
    await callOk(client, "wait_runs", { run_ids: [chat.run_id], mode: "all", wait_ms: 30_000 });
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Metrics" }).click();
    const chart = page.getByRole("img", { name: "Tokens by backend" });
    await chart.waitFor(WAIT);
    const { groups } = await callOk(client, "get_metrics", { group_by: "backend" });
    const a2a = groups.find((g: { key: string }) => g.key === "remote_a2a");
    expect(await chart.locator("rect").count()).toBe(groups.length);
    const row = page
      .getByRole("table", { name: "Runs by backend" })
      .locator("tbody tr", { hasText: "remote_a2a" });
    expect(await row.locator("td").nth(1).textContent()).toBe(String(a2a.runs));
    expect(await row.locator("td").nth(3).textContent()).toBe(`${Math.round(a2a.success_rate * 100)}%`);
    const priced = groups.find((g: { key: string }) => g.key === "openai_compatible");
    expect(priced.cost_usd).toBeGreaterThan(0);
    const chatRow = page
      .getByRole("table", { name: "Runs by backend" })
      .locator("tbody tr", { hasText: "openai_compatible" });
    expect(Number((await chatRow.locator("td").nth(7).textContent())!.replace("$", ""))).toBeCloseTo(
      priced.cost_usd,
      4,
    );
    await screenshot(page, "metrics");
  });
});

describe("the README's pictures", () => {
  it("the runs list with real runs, one of them live, and the terminal view's tail of one", async () => {
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Runs" }).click();
    await runRow(streamedRunId).waitFor(WAIT);
    const live = await spawn("slow", "follow the deploy");
    await runRow(live.run_id).locator(".status", { hasText: "running" }).waitFor(WAIT);
    await screenshot(page, "dashboard");
    await callOk(client, "cancel_run", { run_id: live.run_id });

    const tailed = await runCli(["tail", streamedRunId], { url: dev.url, token: TOKEN });
    expect(tailed.code, tailed.stderr).toBe(0);
    const lines = tailed.stdout.trimEnd().split("\n");
    expect(lines).toEqual((await allEvents(client, streamedRunId)).map((e) => renderEvent(e as RunEvent)));
    const shot = await browser.newPage({ viewport: { width: 980, height: 300 } });
    await shot.setContent(
      `<body style="margin:0;background:#111"><pre style="margin:0;padding:14px;color:#ddd;font:13px/1.5 monospace">` +
        `<span style="color:#8f8">$</span> npx switchyard tail ${streamedRunId}\n</pre></body>`,
    );
    await shot.locator("pre").evaluate((pre, text) => pre.append(text), tailed.stdout);
    await screenshot(shot, "terminal");
    await shot.close();
  });
});

describe("paging", () => {
  it("shows the newest 50 runs, and Load more the older ones in list_runs' order", async () => {
    const replies = Array.from({ length: 45 }, (_, i) => `reply with a message ${i}`);
    for (let i = 0; i < replies.length; i += 5)
      await Promise.all(replies.slice(i, i + 5).map((prompt) => spawn("streaming", prompt)));
    await page.goto(dev.url);
    const rows = () => page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect.poll(() => rows().count(), WAIT).toBe(50);
    const all = (await callOk(client, "list_runs", { limit: 200 })).runs.map(
      (r: { run_id: string }) => r.run_id,
    );
    expect(all.length).toBeGreaterThan(50);
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => rows().count(), WAIT).toBe(all.length);
    expect(await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-run-id")))).toEqual(all);
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
  });
});

describe("long output", () => {
  it("reads a long artifact page by page through get_event_artifact, as UTF-8 text", async () => {
    const run = await spawn("bigOutput", "write the long report");
    await page.goto(`${dev.url}/runs/${run.run_id}`);
    await runStatus().getByText("completed").waitFor(WAIT);
    const view = await callOk(client, "get_run", { run_id: run.run_id });
    expect(
      view.result.artifacts.find((a: { artifact_id: string }) => a.artifact_id === "big").text_ref,
    ).toBeDefined();
    // The same lines the agent wrote (test/fixtures/a2a-scenarios.ts bigOutput): several pages of multi-byte text.
    const expected = Array.from({ length: 4_000 }, (_, i) => `line ${i}: ascii, é, 漢字, 🚀\n`).join("");
    const item = page
      .getByRole("list", { name: "Artifacts" })
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name: "big.txt" }) });
    await item.getByRole("button", { name: "Read big.txt" }).click();
    const counter = item.locator("p.muted");
    await counter.waitFor(WAIT);
    let pages = 1;
    while ((await item.getByRole("button", { name: "Read more" }).count()) > 0) {
      const before = await counter.textContent();
      await item.getByRole("button", { name: "Read more" }).click();
      await expect.poll(() => counter.textContent(), WAIT).not.toBe(before);
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    const bytes = Buffer.byteLength(expected);
    expect(await counter.textContent()).toBe(`${bytes} of ${bytes} bytes (text/plain; charset=utf-8)`);
    expect(await item.getByLabel("big.txt", { exact: true }).textContent()).toBe(expected);
  });
});

describe("signing out", () => {
  it("revokes the session: the page asks for a token, the old cookie gets 401", async () => {
    const cookies = await page.context().cookies();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Tenant token").waitFor(WAIT);
    const old = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    expect(old).not.toBe("");
    const res = await fetch(`${dev.url}/dashboard/session`, { headers: { cookie: old } });
    expect(res.status).toBe(401);
  });

  it("the page reported no script error and no CSP refusal", () => {
    expect(pageProblems).toEqual([]);
  });
});
