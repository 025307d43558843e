// The dashboard's API over real HTTP and real WebSockets against wrangler dev, with real A2A agents:
// sign-in by token, a run followed live (every event once, in order, counted against poll_events,
// across a reconnect), the tenant's feed naming a spawned and a cancelled run, upgrades refused
// without a session or from another origin, and `npx switchyard dashboard` printing a link that
// signs in once.
import { request } from "node:http";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeWebSocket, type LinkSocket } from "../../runner/link/socket.ts";
import { startA2aAgents, type A2aAgentUrls } from "../fixtures/a2a-agents.ts";
import { allEvents, callOk, connectHttp } from "./support/mcp-http.ts";
import { runCli } from "./support/switchyard-cli.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const TOKEN = "dashboard-e2e-token";

let agents: { urls: A2aAgentUrls; close(): Promise<void> };
let dev: WranglerDev;
let client: Client;
let session: { cookie: string; csrf_token: string };

beforeAll(async () => {
  agents = await startA2aAgents();
  dev = new WranglerDev({
    vars: {
      SWITCHYARD_TOKENS: `acme=${TOKEN},globex=dashboard-e2e-globex`,
      SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*",
    },
  });
  await dev.start();
  client = await connectHttp(dev.url, TOKEN);
  session = await signIn(TOKEN);
});

afterAll(async () => {
  await client?.close();
  await dev?.stop();
  await agents?.close();
});

async function signIn(token: string) {
  const res = await fetch(`${dev.url}/dashboard/signin`, {
    method: "POST",
    headers: { origin: dev.url, "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  expect(res.status).toBe(200);
  const { csrf_token } = (await res.json()) as { csrf_token: string };
  return { cookie: res.headers.get("set-cookie")!.split(";")[0]!, csrf_token };
}

const spawn = (agent: keyof A2aAgentUrls) =>
  callOk(client, "spawn_run", {
    backend: "remote_a2a",
    prompt: "go",
    backend_config: { agent_url: agents.urls[agent] },
  });

/** A WebSocket to the dashboard as a browser opens it (cookie, Origin), its messages collected. */
class Live {
  readonly messages: any[] = [];
  readonly ws: LinkSocket;
  #wake: (() => void) | undefined;
  closed = false;

  constructor(path: string) {
    const url = `${dev.url.replace(/^http/, "ws")}${path}`;
    this.ws = nodeWebSocket(url, { cookie: session.cookie, origin: dev.url });
    this.ws.onmessage = (e) => {
      this.messages.push(JSON.parse(String(e.data)));
      this.#wake?.();
    };
    this.ws.onclose = () => {
      this.closed = true;
      this.#wake?.();
    };
  }

  async until(pred: (ms: any[]) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!pred(this.messages)) {
      if (this.closed) throw new Error(`socket closed before ${what}`);
      if (Date.now() > deadline)
        throw new Error(`no ${what}: ${JSON.stringify(this.messages).slice(0, 400)}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
  }

  events(): any[] {
    return this.messages.filter((m) => m.type === "events").flatMap((m) => m.events);
  }
}

const ended = (ms: any[]) => {
  const run = ms.filter((m) => m.type === "run").at(-1)?.run;
  const seqs = ms.filter((m) => m.type === "events").flatMap((m) => m.events.map((e: any) => e.seq));
  return run?.terminal === true && seqs.at(-1) === run.last_seq;
};

/** The status a WebSocket upgrade of `path` is answered with (101 when it is accepted). */
function upgradeStatus(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${dev.url}${path}`, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
        ...headers,
      },
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the dashboard over wrangler dev", () => {
  it("a run's socket delivers every event once, in order, across a reconnect, as poll_events has them", async () => {
    const run = await spawn("slow");
    const first = new Live(`/dashboard/runs/${run.run_id}/live`);
    await first.until((ms) => first.events().some((e) => e.type === "agent_message"), "a tick");
    first.ws.close();
    const had = first.events();
    const second = new Live(`/dashboard/runs/${run.run_id}/live?after_seq=${had.at(-1).seq}`);
    await second.until((ms) => ms.some((m) => m.type === "run"), "the view");
    const cancel = await fetch(`${dev.url}/dashboard/tools/cancel_run`, {
      method: "POST",
      headers: {
        origin: dev.url,
        cookie: session.cookie,
        "x-csrf-token": session.csrf_token,
        "content-type": "application/json",
      },
      body: JSON.stringify({ run_id: run.run_id }),
    });
    expect(((await cancel.json()) as any).result.status).toBe("cancelled");
    await second.until(ended, "the run's end");
    second.ws.close();
    const all = [...had, ...second.events()];
    const polled = await allEvents(client, run.run_id);
    expect(all).toEqual(polled);
    expect(all.map((e) => e.seq)).toEqual(polled.map((_, i) => i + 1));
  });

  it("the tenant's feed names a spawned run and a cancelled one", async () => {
    const feed = new Live("/dashboard/live");
    // The socket is open once the tenant's object sends on it; a spawn before that may be missed.
    await new Promise<void>((resolve) => (feed.ws.onopen = () => resolve()));
    const run = await spawn("slow");
    const named = (ms: any[]) => ms.some((m) => m.type === "runs_changed" && m.run_ids.includes(run.run_id));
    await feed.until(named, "the spawned run");
    const seen = feed.messages.length;
    await callOk(client, "cancel_run", { run_id: run.run_id });
    await feed.until((ms) => named(ms.slice(seen)), "the cancelled run");
    feed.ws.close();
  });

  it("refuses an upgrade without a session (401) or from another origin (403)", async () => {
    const run = await spawn("streaming");
    for (const path of ["/dashboard/live", `/dashboard/runs/${run.run_id}/live`]) {
      expect(await upgradeStatus(path, { origin: dev.url, cookie: session.cookie })).toBe(101);
      expect(await upgradeStatus(path, { origin: dev.url })).toBe(401);
      expect(await upgradeStatus(path, { origin: "http://127.0.0.1:1", cookie: session.cookie })).toBe(403);
      expect(await upgradeStatus(path, { origin: "https://evil.example", cookie: session.cookie })).toBe(403);
      expect(await upgradeStatus(path, { cookie: session.cookie })).toBe(403);
    }
  });

  it("`npx switchyard dashboard` prints the dashboard and a link that signs in once", async () => {
    const result = await runCli(["dashboard"], { url: dev.url, token: TOKEN });
    expect(result.code, result.stderr).toBe(0);
    const [dashboardLine, linkLine] = result.stdout.trimEnd().split("\n");
    expect(dashboardLine).toBe(`dashboard: ${dev.url}/`);
    const link = /: (http:\/\/\S+)$/.exec(linkLine!)![1]!;
    expect(link.startsWith(`${dev.url}/dashboard/signin/once?code=acme~`)).toBe(true);
    const first = await fetch(link, { redirect: "manual" });
    expect(first.headers.get("location")).toBe("/");
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    const read = await fetch(`${dev.url}/dashboard/session`, { headers: { cookie } });
    expect(((await read.json()) as { tenant: string }).tenant).toBe("acme");
    const again = await fetch(link, { redirect: "manual" });
    expect(again.headers.get("location")).toBe("/signin?error=link_used");

    const refused = await runCli(["dashboard"], { url: dev.url, token: "wrong" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("unauthorized");
  });

  it("serves the app from Workers assets with its headers, behind the Host check", async () => {
    for (const path of ["/", "/runs/run_000000000000000000000", "/signin"]) {
      const res = await fetch(`${dev.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      await res.body?.cancel();
    }
    const rebound = await new Promise<number>((resolve, reject) =>
      request(`${dev.url}/`, { headers: { host: "evil.example" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on("error", reject)
        .end(),
    );
    expect(rebound).toBe(421);
  });
});
