// OAuth 2.1 end to end over `wrangler dev`, with the MCP SDK client's own flow (discovery, dynamic
// registration or a Client ID Metadata Document, PKCE, the consent page signed in with a tenant key,
// code exchange): tools listed and called; tokens bound to one origin's /mcp; PKCE enforced; CIMD
// fetched only where the egress guard allows; OAuth and runner tokens kept apart; tenants apart.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { makeCertificate, startDocumentServer, type DocumentServer } from "./support/https-documents.ts";
import { callOk, connectHttp } from "./support/mcp-http.ts";
import { authorize, connectOAuth, REDIRECT_URL, ScriptedOAuthClient } from "./support/oauth-client.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const KEYS = { acme: "oauth-e2e-acme", globex: "oauth-e2e-globex" };
const RUNNER_TOKEN = "oauth-e2e-runner";

let dev: WranglerDev;
let cimd: DocumentServer;
let trap: DocumentServer;
const clients: Client[] = [];

const cimdDocument = (clientId: string) => ({
  client_id: clientId,
  client_name: "switchyard e2e CIMD client",
  redirect_uris: [REDIRECT_URL],
  token_endpoint_auth_method: "none",
});

/** A POST of tools/list to `url` with `token`: the status and the challenge. */
async function listWith(url: string, token: string | undefined) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  return { status: res.status, challenge: res.headers.get("www-authenticate") ?? "", body: await res.text() };
}

/** The close code a /runner/connect WebSocket gets with `token`. */
function runnerCloseCode(token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${dev.port}/runner/connect`, {
      headers: { authorization: `Bearer ${token}` },
    });
    ws.once("close", (code) => resolve(code));
    ws.once("error", reject);
  });
}

async function oauthClient(tenantKey: string, base = dev.url, options = {}) {
  const provider = new ScriptedOAuthClient(tenantKey, options);
  await authorize(base, provider);
  return provider;
}

beforeAll(async () => {
  const certificate = makeCertificate();
  [cimd, trap] = await Promise.all([startDocumentServer(certificate), startDocumentServer(certificate)]);
  dev = new WranglerDev({
    vars: {
      SWITCHYARD_TOKENS: `acme=${KEYS.acme},globex=${KEYS.globex}`,
      SWITCHYARD_RUNNER_TOKENS: `acme=${RUNNER_TOKEN}`,
      // The CIMD server's one port, and nothing else on 127.0.0.1 (the trap is another port).
      SWITCHYARD_EDGE_ALLOW_HOSTS: new URL(cimd.url).host,
    },
    env: { NODE_EXTRA_CA_CERTS: certificate.certPath },
  });
  await dev.start();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await dev?.stop();
  await Promise.all([cimd?.close(), trap?.close()]);
});

describe("OAuth end to end", () => {
  it("the SDK's flow with dynamic registration: tools listed, get_run answered for the consenting tenant", async () => {
    const staticClient = await connectHttp(dev.url, KEYS.acme);
    clients.push(staticClient);
    const run = await callOk(staticClient, "spawn_run", {
      backend: "codex",
      prompt: "wait",
      cwd: "/tmp/oauth-e2e",
    });

    const provider = await oauthClient(KEYS.acme);
    expect(provider.lastPage).toContain("its name is not verified");
    const client = await connectOAuth(dev.url, provider);
    clients.push(client);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(["spawn_run", "get_run", "list_runs"]));
    const seen = await callOk(client, "get_run", { run_id: run.run_id });
    expect(seen.run_id).toBe(run.run_id);
    expect(seen.status).toBe("queued");
  });

  it("tenant A's OAuth token sees nothing of tenant B", async () => {
    const acme = await connectHttp(dev.url, KEYS.acme);
    clients.push(acme);
    const run = await callOk(acme, "spawn_run", { backend: "codex", prompt: "mine", cwd: "/tmp/oauth-e2e" });
    const globex = await connectOAuth(dev.url, await oauthClient(KEYS.globex));
    clients.push(globex);
    const theirs = await globex.callTool({ name: "get_run", arguments: { run_id: run.run_id } });
    expect(theirs.isError).toBe(true);
    expect(JSON.parse((theirs.content as { text: string }[])[0]!.text).code).toBe("not_found");
    expect((await callOk(globex, "list_runs", {})).runs).toEqual([]);
  });

  it("a token is bound to its origin's /mcp: refused at the other origin, both ways", async () => {
    const other = `http://localhost:${dev.port}`;
    const here = await oauthClient(KEYS.acme);
    const there = await oauthClient(KEYS.acme, other);
    expect((await listWith(`${dev.url}/mcp`, here.accessToken)).status).toBe(200);
    expect((await listWith(`${other}/mcp`, there.accessToken)).status).toBe(200);
    expect((await listWith(`${other}/mcp`, here.accessToken)).status).toBe(401);
    expect((await listWith(`${dev.url}/mcp`, there.accessToken)).status).toBe(401);
  });

  it("a code with the wrong PKCE verifier is refused", async () => {
    const provider = new ScriptedOAuthClient(KEYS.acme);
    provider.tamperVerifier = true;
    await expect(authorize(dev.url, provider)).rejects.toThrow(/grant|verifier|PKCE/i);
    expect(provider.tokens()).toBeUndefined();
  });

  it("the refresh token gives a new short-lived access token that works on /mcp", async () => {
    const provider = await oauthClient(KEYS.acme);
    const refresh = (token: string) =>
      fetch(`${dev.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: token,
          client_id: (provider.clientInformation() as { client_id: string }).client_id,
        }).toString(),
      });
    const res = await refresh(provider.tokens()!.refresh_token!);
    expect(res.status).toBe(200);
    const next = (await res.json()) as { access_token: string; expires_in: number };
    expect(next.expires_in).toBe(600);
    expect((await listWith(`${dev.url}/mcp`, next.access_token)).status).toBe(200);
  });

  it("a wrong or missing token → 401 with the resource_metadata challenge", async () => {
    for (const token of [undefined, "nope", `${KEYS.acme}x`]) {
      const { status, challenge, body } = await listWith(`${dev.url}/mcp`, token);
      expect(status).toBe(401);
      expect(challenge).toContain(`resource_metadata="${dev.url}/.well-known/oauth-protected-resource/mcp"`);
      expect(JSON.parse(body).error).toBe("unauthorized");
    }
    const meta = (await (await fetch(`${dev.url}/.well-known/oauth-protected-resource/mcp`)).json()) as {
      resource: string;
    };
    expect(meta.resource).toBe(`${dev.url}/mcp`);
  });

  it("an OAuth token cannot open /runner/connect; a runner token cannot be used on /mcp nor exchanged", async () => {
    const provider = await oauthClient(KEYS.acme);
    expect(await runnerCloseCode(provider.accessToken)).toBe(4401);
    expect((await listWith(`${dev.url}/mcp`, RUNNER_TOKEN)).status).toBe(401);
    const clientId = (provider.clientInformation() as { client_id: string }).client_id;
    const grants: Record<string, string>[] = [
      { grant_type: "refresh_token", refresh_token: RUNNER_TOKEN },
      {
        grant_type: "authorization_code",
        code: RUNNER_TOKEN,
        redirect_uri: REDIRECT_URL,
        code_verifier: "x".repeat(43),
      },
    ];
    for (const grant of grants) {
      const res = await fetch(`${dev.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...grant, client_id: clientId }).toString(),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_grant");
    }
    // …nor used as the tenant key on the consent page.
    await expect(oauthClient(RUNNER_TOKEN)).rejects.toThrow(/401/);
  });

  it("a tenant taken out of SWITCHYARD_TOKENS loses its OAuth grants", async () => {
    const provider = await oauthClient(KEYS.globex);
    expect((await listWith(`${dev.url}/mcp`, provider.accessToken)).status).toBe(200);
    await dev.stop();
    dev.options.vars.SWITCHYARD_TOKENS = `acme=${KEYS.acme}`;
    await dev.start();
    try {
      const { status, challenge } = await listWith(`${dev.url}/mcp`, provider.accessToken);
      expect(status).toBe(401);
      expect(challenge).toContain(`resource_metadata="${dev.url}/.well-known/oauth-protected-resource/mcp"`);
    } finally {
      await dev.stop();
      dev.options.vars.SWITCHYARD_TOKENS = `acme=${KEYS.acme},globex=${KEYS.globex}`;
      await dev.start();
    }
  });

  it("a CIMD client_id on a loopback port the allow list does not name is refused before any request", async () => {
    const clientId = `${trap.url}/client.json`;
    trap.serve("/client.json", cimdDocument(clientId));
    const provider = new ScriptedOAuthClient(KEYS.acme, { clientMetadataUrl: clientId });
    await expect(authorize(dev.url, provider)).rejects.toThrow(/400.*egress refused/s);
    expect(trap.hits).toBe(0);
  });

  it("a CIMD document on a host the allow list permits: the SDK's flow works without registering", async () => {
    const clientId = `${cimd.url}/client.json`;
    cimd.serve("/client.json", cimdDocument(clientId));
    const provider = new ScriptedOAuthClient(KEYS.acme, { clientMetadataUrl: clientId });
    await authorize(dev.url, provider);
    expect((provider.clientInformation() as { client_id: string }).client_id).toBe(clientId);
    expect(provider.lastPage).toContain("switchyard e2e CIMD client");
    expect(provider.lastPage).toContain("Published by <strong>127.0.0.1</strong>");
    expect(cimd.hits).toBeGreaterThanOrEqual(1);
    const client = await connectOAuth(dev.url, provider);
    clients.push(client);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });
});
