// End to end over real HTTP: wrangler dev, the MCP SDK client, a real A2A agent. A run survives a
// restart of wrangler dev with its record and every event intact.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startA2aAgents } from "../fixtures/a2a-agents.ts";
import { allEvents, callOk, connectHttp } from "./support/mcp-http.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const TOKEN = "e2e-token";

describe("wrangler dev end to end", () => {
  let agents: Awaited<ReturnType<typeof startA2aAgents>>;
  let dev: WranglerDev;

  beforeAll(async () => {
    agents = await startA2aAgents();
    dev = new WranglerDev({
      vars: { SWITCHYARD_TOKENS: `e2e=${TOKEN}`, SWITCHYARD_EDGE_ALLOW_HOSTS: "127.0.0.1:*" },
    });
    await dev.start();
  });
  afterAll(async () => {
    await dev?.stop();
    await agents?.close();
  });

  it("refuses MCP without a token over real HTTP", async () => {
    const res = await fetch(`${dev.url}/mcp`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("runs an A2A task to completion, and finds it intact after a restart", async () => {
    let client = await connectHttp(dev.url, TOKEN);
    const spawned = await callOk(client, "spawn_run", {
      backend: "remote_a2a",
      prompt: "summarise the repo",
      backend_config: { agent_url: agents.urls.streaming },
    });
    const before = await allEvents(client, spawned.run_id);
    const runBefore = await callOk(client, "get_run", { run_id: spawned.run_id });
    expect(runBefore.status).toBe("completed");
    expect(before.map((e) => e.seq)).toEqual(before.map((_, i) => i + 1));
    await client.close();

    await dev.stop();
    await dev.start();

    client = await connectHttp(dev.url, TOKEN);
    const runAfter = await callOk(client, "get_run", { run_id: spawned.run_id });
    expect(runAfter).toEqual(runBefore);
    expect(await allEvents(client, spawned.run_id)).toEqual(before);
    const listed = await callOk(client, "list_runs", {});
    expect(listed.runs.map((r: { run_id: string }) => r.run_id)).toContain(spawned.run_id);
    await client.close();
  });
});
