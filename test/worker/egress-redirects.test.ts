// Redirects are followed by hand and judged hop by hop. The redirector (allowed as 127.0.0.3 on its
// one port) answers 30x to every spelling in the table: the run fails with an egress error, no trap
// is hit, and no trap body reaches the run. A hop to another allowed origin carries no secret
// headers; a hop on the same origin keeps them. The agent card's own endpoint URL is judged too.
import { afterAll, describe, expect, it } from "vitest";
import { MAX_REDIRECTS } from "../../worker/egress/guarded-fetch.ts";
import { connect, drainEvents, waitForStatus, type TestClient } from "./support/mcp.ts";
import { SPELLINGS, TRAP_BODY, cardNaming, egress, hits, hopsThen, redirectTo } from "./support/egress.ts";

const guardedTrapHits = async () => (await hits()).trap.filter((h) => !h.url.startsWith("/__reach")).length;
const SECRETS = { header: "hdr-secret-5d0c2a", token: "tok-secret-91b7e4", key: "key-secret-3f6a80" };
const { v4b, v4c, v6 } = egress.traps;

let client: TestClient | undefined;
const c = async () => (client ??= await connect());
afterAll(() => client?.close());

const a2a = (agentUrl: string) => ({
  backend: "remote_a2a",
  prompt: "hello through a redirect",
  backend_config: {
    agent_url: agentUrl,
    headers: { "X-Agent-Key": SECRETS.header },
    auth_token: SECRETS.token,
  },
});
const chat = (baseUrl: string) => ({
  backend: "openai_compatible",
  prompt: "hello through a redirect",
  backend_config: {
    base_url: baseUrl,
    model: "m",
    api_key: SECRETS.key,
    headers: { "X-Model-Key": SECRETS.header },
  },
});

/** Spawns, waits for the run to end, and returns its record and events as one text. */
async function endedRun(spawn: Record<string, unknown>): Promise<{ status: string; text: string }> {
  const client = await c();
  const run = await client.ok("spawn_run", spawn);
  const ended = await waitForStatus(client, run.run_id, ["failed", "completed", "cancelled"]);
  const events = await drainEvents(client, run.run_id);
  return { status: ended.status, text: JSON.stringify([ended, events]) };
}

async function expectRefused(spawn: Record<string, unknown>): Promise<void> {
  const run = await endedRun(spawn);
  expect(run.status).toBe("failed");
  expect(run.text).toMatch(/egress refused: .*(the edge does not fetch|expected|invalid URL|more than)/);
  expect(run.text).not.toContain(TRAP_BODY);
  expect(await guardedTrapHits()).toBe(0);
}

describe("a redirect to a special-purpose address is refused before it is followed", () => {
  it.each(SPELLINGS.map((s) => [s.url]))("remote_a2a: the agent card redirects (302) to %s", async (url) => {
    await expectRefused(a2a(redirectTo(url, 302)));
  });

  it.each(SPELLINGS.map((s) => [s.url]))(
    "openai_compatible: the endpoint redirects (307) to %s",
    async (url) => {
      await expectRefused(chat(redirectTo(url, 307)));
    },
  );

  it.each([
    [`//127.0.0.2:${v4b}/x`, 301],
    [`/\\127.0.0.2:${v4b}/x`, 302],
    [`\\\\127.0.0.2:${v4b}/x`, 303],
    [`/\t/127.0.0.2:${v4b}/x`, 307],
    [`http://127.0.0.3:${v4c}/other-port`, 308],
    [`http://localhost:${v6 ?? v4b}/`, 302],
    ["ftp://example.com/", 302],
    ["file:///etc/passwd", 302],
    ["data:text/plain,hello", 302],
    ["http://[::1/", 302],
  ])("Location %j (%d) is refused", async (location, status) => {
    await expectRefused(a2a(redirectTo(location, status)));
    await expectRefused(chat(redirectTo(location, status)));
  });

  it("a chain on the allowed origin that ends at a trap is refused at its last hop", async () => {
    await expectRefused(a2a(hopsThen(3, `http://[::ffff:7f00:2]:${v4b}/`)));
    await expectRefused(chat(hopsThen(3, `http://0x7f000002:${v4b}/`, 308)));
  });

  it(`more than ${MAX_REDIRECTS} redirects are refused, even to an allowed origin`, async () => {
    const marker = `/too-many-${crypto.randomUUID()}/`;
    await expectRefused(a2a(hopsThen(MAX_REDIRECTS, `${egress.receiver}${marker}`)));
    expect((await hits()).receiver.filter((h) => h.url.startsWith(marker))).toHaveLength(0);
    // One fewer is followed: the receiver answers 404 and the run fails for that reason instead.
    const run = await endedRun(a2a(hopsThen(MAX_REDIRECTS - 1, `${egress.receiver}${marker}`)));
    expect(run.text).not.toMatch(/egress refused/);
    expect((await hits()).receiver.filter((h) => h.url.startsWith(marker))).toHaveLength(1);
  });
});

describe("secrets stay with the origin they were given for", () => {
  const secretValues = Object.values(SECRETS);
  const carriesSecret = (headers: Record<string, string>) =>
    secretValues.some((s) => Object.values(headers).some((v) => v.includes(s)));

  it.each([301, 302, 303, 307, 308])(
    "a %d to another allowed origin carries no secret header",
    async (status) => {
      const marker = `/cross-${status}-${crypto.randomUUID()}/`;
      const viaA2a = redirectTo(`${egress.receiver}${marker}a2a/`, status);
      const viaChat = redirectTo(`${egress.receiver}${marker}chat/`, status);
      await endedRun(a2a(viaA2a));
      await endedRun(chat(viaChat));
      const all = await hits();
      const received = all.receiver.filter((h) => h.url.startsWith(marker));
      expect(received.map((h) => h.url).sort()).toEqual([`${marker}a2a/`, `${marker}chat/`]);
      expect(received.filter((h) => carriesSecret(h.headers))).toEqual([]);
      // The redirector, on the origin the secrets were given for, did get them.
      const sent = all.redirector.filter((h) =>
        [viaA2a, viaChat].some((via) => h.url.startsWith(new URL(via).pathname)),
      );
      expect(sent.map((h) => carriesSecret(h.headers))).toEqual([true, true]);
      // The chat POST keeps its body on 307/308 and becomes a GET without one on 301/302/303.
      const chatHop = received.find((h) => h.url.endsWith("chat/"))!;
      expect([chatHop.method, chatHop.body.includes("hello through a redirect")]).toEqual(
        status >= 307 ? ["POST", true] : ["GET", false],
      );
    },
  );

  it("a redirect on the same origin keeps the secret headers", async () => {
    const marker = `/same-${crypto.randomUUID()}/`;
    await endedRun(a2a(redirectTo(`${egress.redirector}${marker}`, 302)));
    await endedRun(chat(redirectTo(`${egress.redirector}${marker}`, 307)));
    const landed = (await hits()).redirector.filter((h) => h.url.startsWith(marker));
    expect(landed).toHaveLength(2);
    for (const hit of landed) expect(carriesSecret(hit.headers)).toBe(true);
  });
});

describe("the endpoint named by the agent card is judged like agent_url", () => {
  it.each([
    `http://127.0.0.2:${v4b}/rpc`,
    `http://[::ffff:127.0.0.2]:${v4b}/rpc`,
    `http://127.0.0.3:${v4c}/rpc`,
    `http://localhost:${v6 ?? v4b}/rpc`,
    ...(v6 ? [`http://[::1]:${v6}/rpc`] : []),
    "http://169.254.169.254/rpc",
    redirectTo(`http://127.0.0.2:${v4b}/rpc`, 307),
  ])("a card naming %s fails the run without reaching it", async (endpoint) => {
    await expectRefused(a2a(cardNaming(endpoint)));
  });
});
