// The terminal view (`npx switchyard …`) run as a real process against wrangler dev, with real A2A
// agents from the fixtures: what it prints, in what order, and the exit code a script branches on.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderEvent } from "../../cli/render.ts";
import type { RunEvent } from "../../shared/runs/events.ts";
import { startA2aAgents, type A2aAgentUrls, type A2aReceived } from "../fixtures/a2a-agents.ts";
import { jsonLines } from "./support/agent-clis.ts";
import { allEvents, callOk, connectHttp } from "./support/mcp-http.ts";
import { runCli, startCli } from "./support/switchyard-cli.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const TOKEN = "terminal-view-token";

let agents: { urls: A2aAgentUrls; close(): Promise<void> };
let dev: WranglerDev;
let client: Client;
let at: { url: string; token: string };

beforeAll(async () => {
  agents = await startA2aAgents();
  dev = new WranglerDev({
    vars: { SWITCHYARD_TOKENS: `acme=${TOKEN}`, SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*" },
  });
  await dev.start();
  client = await connectHttp(dev.url, TOKEN);
  at = { url: dev.url, token: TOKEN };
});

afterAll(async () => {
  await client?.close();
  await dev?.stop();
  await agents?.close();
});

const spawnArgs = (agent: keyof A2aAgentUrls, prompt = "summarise the repo") => [
  "spawn",
  "--backend",
  "remote_a2a",
  "--agent-url",
  agents.urls[agent],
  "-p",
  prompt,
];

/** The lines the CLI should print for `events` (allEvents types them loosely). */
const rendered = (events: object[]) => events.map((e) => renderEvent(e as RunEvent));

const runCount = async () => (await callOk(client, "list_runs", { limit: 200 })).runs.length as number;

describe("spawn and tail", () => {
  it("spawn --follow prints the run id, then every event of the run in order, and exits 0", async () => {
    const result = await runCli([...spawnArgs("streaming"), "--follow"], at);
    expect(result.code, result.stderr).toBe(0);
    const [runId, ...lines] = result.stdout.trimEnd().split("\n");
    expect(runId).toMatch(/^run_/);
    const events = await allEvents(client, runId!);
    expect(events.map((e) => e.type)).toEqual([
      "run_started",
      "status_changed",
      "agent_message",
      "agent_message",
      "agent_message",
      "artifact_added",
      "agent_message",
      "usage",
      "run_completed",
      "status_changed",
    ]);
    expect(lines).toEqual(rendered(events));
    // The lines say what happened, not only which type it was.
    expect(lines.map((l) => l.replace(/^#\d+\s+\S+\s+\S+\s+/, ""))).toEqual([
      expect.stringContaining("task_id"),
      "queued → running",
      "step 1",
      "step 2",
      "step 3",
      "report.txt",
      "final answer",
      "11 in, 7 out",
      "final answer",
      "running → completed",
    ]);
    expect((await callOk(client, "get_run", { run_id: runId })).status).toBe("completed");
  });

  it("spawn prints only the run id without --follow, and tail --json prints poll_events' events", async () => {
    const spawned = await runCli(spawnArgs("v03"), at);
    expect(spawned.code, spawned.stderr).toBe(0);
    const runId = spawned.stdout.trim();
    expect(runId).toMatch(/^run_[a-z0-9]+$/);

    const tailed = await runCli(["tail", runId, "--json"], at);
    expect(tailed.code, tailed.stderr).toBe(0);
    expect(
      tailed.stdout
        .split("\n")
        .filter(Boolean)
        .every((line) => line.startsWith("{")),
    ).toBe(true);
    const lines = jsonLines(tailed.stdout);
    expect(lines).toEqual(await allEvents(client, runId));
    expect(lines.at(-1)).toMatchObject({ type: "status_changed", data: { to: "completed" } });
  });

  it("--output stream-json follows: a failed run's events as JSON lines, exit 1", async () => {
    const result = await runCli([...spawnArgs("failing"), "--output", "stream-json"], at);
    expect(result.code, result.stderr).toBe(1);
    const lines = jsonLines(result.stdout);
    expect(lines.map((e) => e.type)).toEqual([
      "run_started",
      "status_changed",
      "agent_message",
      "agent_message",
      "run_failed",
      "status_changed",
    ]);
    expect(lines).toEqual(await allEvents(client, lines[0]!.run_id));
    expect(lines.at(-1)!.data).toEqual({ from: "running", to: "failed", reason: "backend_failed" });
  });

  it("a rejected run exits 1, and tail --after prints only the events after that seq", async () => {
    const result = await runCli([...spawnArgs("rejecting"), "--follow"], at);
    expect(result.code, result.stderr).toBe(1);
    const runId = result.stdout.split("\n")[0]!;
    expect(result.stdout).toContain("rejected          I only review Go code");

    const tailed = await runCli(["tail", runId, "--after", "3", "--json"], at);
    expect(tailed.code).toBe(1);
    expect(jsonLines(tailed.stdout).map((e) => [e.seq, e.type])).toEqual([
      [4, "rejected"],
      [5, "status_changed"],
    ]);
  });
});

describe("on a terminal", () => {
  it("a progress line is drawn under the events and cleared; a timed-out run exits 1", async () => {
    // Followed from the spawn on, so the run is live when the first page comes (it ends after 3 s).
    const result = await runCli([...spawnArgs("slow"), "--timeout", "3", "--follow"], at, true);
    expect(result.code, result.stdout).toBe(1);
    const runId = result.stdout.split("\r\n")[0]!;
    expect(runId).toMatch(/^run_/);
    const CLEAR = "\r\x1b[2K";
    const progress = new RegExp(
      `${CLEAR.replace("[", "\\[")}${runId}  running  \\d+ events  \\(Ctrl-C stops watching, not the run\\)`,
      "g",
    );
    expect(result.stdout.match(progress)?.length).toBeGreaterThan(0);
    // Without the progress line, exactly the rendered events; nothing is left drawn after the last.
    const events = await allEvents(client, runId);
    const lines = result.stdout.replace(progress, "").replaceAll(CLEAR, "").replaceAll("\r\n", "\n");
    expect(lines).toBe([runId, ...rendered(events)].map((l) => `${l}\n`).join(""));
    expect(result.stdout.endsWith(`${rendered(events).at(-1)}\r\n`)).toBe(true);
    expect(events.at(-2)).toMatchObject({ type: "run_failed", data: { error: { code: "timeout" } } });
  });
});

describe("cancel and continue", () => {
  it("cancel stops a run a tail is following: cancel exits 0, the tail ends with cancelled and exits 1", async () => {
    const spawned = await runCli(spawnArgs("slow"), at);
    const runId = spawned.stdout.trim();
    const tail = startCli(["tail", runId], at);
    await tail.printed("tick 1");

    const cancelled = await runCli(["cancel", runId], at);
    expect(cancelled).toMatchObject({ code: 0, stdout: `${runId} cancelled\n` });
    const tailed = await tail.done;
    expect(tailed.code, tailed.stderr).toBe(1);
    expect(tailed.stdout.trimEnd().split("\n").at(-1)).toMatch(
      /status_changed\s+running → cancelled \(cancelled by caller\)$/,
    );
    // The agent was told: its task was cancelled over A2A, once.
    const { remote_ref } = await callOk(client, "get_run", { run_id: runId });
    const received = (await (await fetch(`${agents.urls.slow}/__received`)).json()) as A2aReceived;
    expect(received.cancels.filter((id) => id === remote_ref.task_id)).toHaveLength(1);
  });

  it("--exit-on-input stops at the question with 3; continue -p answers it and follows to completion", async () => {
    const asked = await runCli([...spawnArgs("inputRequired"), "--follow", "--exit-on-input"], at);
    expect(asked.code, asked.stderr).toBe(3);
    const [runId, ...lines] = asked.stdout.trimEnd().split("\n");
    expect(lines.at(-2)).toMatch(/input_required\s+What is your name\?$/);
    expect(lines.at(-1)).toMatch(/status_changed\s+running → input_required$/);
    const asking = await callOk(client, "get_run", { run_id: runId });
    expect(asking.status).toBe("input_required");

    const answered = await runCli(["continue", runId!, "-p", "Ada", "--follow"], at);
    expect(answered.code, answered.stderr).toBe(0);
    const [sameRun, ...after] = answered.stdout.trimEnd().split("\n");
    expect(sameRun).toBe(runId);
    // Only what came after the question: the answer, the agent's reply, the end.
    const events = await allEvents(client, runId!);
    expect(after).toEqual(rendered(events.filter((e) => e.seq > asking.last_seq)));
    expect(after[0]).toMatch(/message_added\s+user: Ada$/);
    expect(after.at(-1)).toMatch(/running → completed$/);
    expect((await callOk(client, "get_run", { run_id: runId })).result.final_response).toBe("Hello, Ada");
  });
});

describe("a run waiting for input", () => {
  it("without --exit-on-input, tail waits through the question and ends with the run", async () => {
    const runId = (await runCli(spawnArgs("inputRequired"), at)).stdout.trim();
    const tail = startCli(["tail", runId], at);
    await tail.printed("running → input_required");

    const answered = await runCli(["continue", runId, "-p", "Grace"], at);
    expect(answered).toMatchObject({ code: 0, stdout: `${runId}\n` });
    const tailed = await tail.done;
    expect(tailed.code, tailed.stderr).toBe(0);
    expect(tailed.stdout.trimEnd().split("\n")).toEqual(rendered(await allEvents(client, runId)));
    expect(tailed.stdout).toContain("agent_message     Hello, Grace");
  });
});

describe("runs", () => {
  it("lists the runs with list_runs' filters, as a table or JSON lines", async () => {
    const all = (await callOk(client, "list_runs", { limit: 200 })).runs as {
      run_id: string;
      status: string;
    }[];
    const completed = all.filter((r) => r.status === "completed").map((r) => r.run_id);
    expect(completed.length).toBeGreaterThan(0);

    const listed = await runCli(["runs", "--status", "completed", "--json"], at);
    expect(listed.code, listed.stderr).toBe(0);
    expect(jsonLines(listed.stdout).map((r) => r.run_id)).toEqual(completed);

    const table = await runCli(["runs", "--backend", "remote_a2a", "--limit", "2"], at);
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^RUN_ID\s+STATUS\s+BACKEND\s+ROLE\s+AGENT_NAME\s+CREATED_AT\s+SUMMARY$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual(all.slice(0, 2).map((r) => r.run_id));
  });
});

describe("bad usage", () => {
  it.each([
    [["spawn", "--backend", "remote_a2a", "-p", "x", "--bogus"], "spawn: Unknown option '--bogus'"],
    [["spawn", "--backend", "remote_a2a"], 'spawn: -p "PROMPT" is required'],
    [["tail"], "tail: expected RUN"],
    [["tail", "run_a", "run_b"], 'tail: unexpected argument "run_b"'],
    [["runs", "--limit", "lots"], '--limit: expected a whole number from 1 to 200, got "lots"'],
    [
      ["spawn", "--backend", "remote_a2a", "-p", "x", "--output", "xml"],
      "--output: expected text or stream-json",
    ],
    [["spawn", "--backend", "remote_a2a", "-p", "x", "--config", "[1]"], "--config: expected a JSON object"],
    [["launch"], 'unknown command "launch"'],
    [
      ["runs", "--url", "http://switchyard.example.com"],
      "--url: expected https:// (http:// only for localhost)",
    ],
  ])("%j: one line naming what is wrong, exit 2, nothing spawned", async (args, message) => {
    const before = await runCount();
    const result = await runCli(args, at);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(await runCount()).toBe(before);
  });

  it("arguments the server refuses exit 2 with its code and field; no token exits 2; an unknown run exits 1", async () => {
    const before = await runCount();
    const refused = await runCli(
      ["spawn", "--backend", "remote_a2a", "--agent-url", "ftp://x", "-p", "x"],
      at,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "switchyard: bad_request: spawn_run: backend_config.agent_url: expected an http(s) URL\n",
    );
    expect(await runCount()).toBe(before);

    const noToken = await runCli(["runs"], { url: dev.url });
    expect(noToken).toMatchObject({ code: 2, stdout: "" });
    expect(noToken.stderr).toContain("--token is required (or set SWITCHYARD_TOKEN)");

    const unknown = await runCli(["tail", "run_nosuchrun"], at);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('switchyard: not_found: poll_events: run_id: no run "run_nosuchrun"\n');
  });
});
