// The consent page: client-supplied text is escaped, the form works only from the browser that
// opened it (handle + binding cookie) and only once, a wrong tenant key grants nothing, Deny goes
// back to the client with access_denied, and an approved code needs its PKCE verifier. An invitation
// code signs in once for its tenant and is never a bearer token.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { consentAs, openConsent, pkcePair, submitConsent } from "../fixtures/oauth-consent.ts";
import { connect, drainEvents, spawnA2aRun, TOKENS } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const BASE = "http://switchyard.test";
const REDIRECT = "http://127.0.0.1:33418/callback";
const HOSTILE_NAME = `<script>alert("x")</script><img src=x onerror='y'>&`;
const fetcher = (url: string, init?: RequestInit) => SELF.fetch(url, init);

let clientId: string;

async function authorizationUrl(challenge: string, extra: Record<string, string> = {}) {
  const url = new URL(`${BASE}/authorize`);
  const params = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "st-1",
    resource: "https://switchyard.test/mcp",
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

const exchange = (code: string, verifier: string) =>
  SELF.fetch(`${BASE}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    }).toString(),
  });

/** How many grants the provider holds for `tenant` (one per approved consent). */
async function grants(tenant: string): Promise<number> {
  const { env } = await import("cloudflare:test");
  const list = await (env as unknown as { OAUTH_KV: KVNamespace }).OAUTH_KV.list({
    prefix: `grant:${tenant}:`,
  });
  return list.keys.length;
}

beforeAll(async () => {
  const res = await SELF.fetch(`${BASE}/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: HOSTILE_NAME,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }),
  });
  expect(res.status).toBe(201);
  clientId = ((await res.json()) as { client_id: string }).client_id;
});

describe("consent page", () => {
  it("shows the client's name and redirect host escaped, and sets a binding cookie", async () => {
    const form = await openConsent(fetcher, await authorizationUrl((await pkcePair()).challenge));
    expect(form.status).toBe(200);
    expect(form.html).not.toContain("<script>");
    expect(form.html).not.toContain("<img");
    expect(form.html).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt;&amp;",
    );
    expect(form.html).toContain("<strong>127.0.0.1</strong>");
    expect(form.html).toContain("app on this computer");
    expect(form.handle).not.toBe("");
    expect(form.cookie).toMatch(/=/);
  });

  it("a request without PKCE, with plain PKCE or for another resource is refused on the page", async () => {
    const { challenge } = await pkcePair();
    const refusedRequests: Record<string, string>[] = [
      { code_challenge: "" },
      { code_challenge_method: "plain" },
      { resource: "https://elsewhere.example/mcp" },
    ];
    for (const extra of refusedRequests) {
      const form = await openConsent(fetcher, await authorizationUrl(challenge, extra));
      expect(form.handle, JSON.stringify(extra)).toBe("");
      expect([302, 400]).toContain(form.status);
    }
  });

  it("a POST without the page's cookie, or with another page's cookie, grants nothing", async () => {
    const before = await grants("acme");
    const { challenge } = await pkcePair();
    const form = await openConsent(fetcher, await authorizationUrl(challenge));
    const other = await openConsent(fetcher, await authorizationUrl(challenge));
    for (const cookie of ["", other.cookie]) {
      const res = await submitConsent(fetcher, form, { tenant_key: TOKENS.acme }, cookie);
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
    expect(await grants("acme")).toBe(before);
  });

  it("a wrong tenant key or a runner token grants nothing and shows the form again", async () => {
    const before = await grants("acme");
    const form = await openConsent(fetcher, await authorizationUrl((await pkcePair()).challenge));
    const wrong = await submitConsent(fetcher, form, { tenant_key: "runner-token-acme" });
    expect(wrong.status).toBe(401);
    const html = await wrong.text();
    expect(html).toContain("not accepted");
    expect(/name="handle" value="([^"]+)"/.exec(html)?.[1]).not.toBe(form.handle);
    expect(await grants("acme")).toBe(before);
  });

  it("a handle works once, granting once", async () => {
    const before = await grants("acme");
    const form = await openConsent(fetcher, await authorizationUrl((await pkcePair()).challenge));
    expect((await submitConsent(fetcher, form, { tenant_key: TOKENS.acme })).status).toBe(302);
    expect((await submitConsent(fetcher, form, { tenant_key: TOKENS.acme })).status).toBe(400);
    expect(await grants("acme")).toBe(before + 1);
  });

  it("Deny goes back to the client with access_denied and its state", async () => {
    const form = await openConsent(fetcher, await authorizationUrl((await pkcePair()).challenge));
    const res = await submitConsent(fetcher, form, { decision: "deny" });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location")!);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("st-1");
  });

  it("an approved code is exchanged only with its PKCE verifier, for a short-lived token and a refresh token", async () => {
    const { verifier, challenge } = await pkcePair();
    const code = async () => {
      const back = (await consentAs(fetcher, await authorizationUrl(challenge), TOKENS.globex)).redirect;
      expect(back.searchParams.get("state")).toBe("st-1");
      return back.searchParams.get("code")!;
    };
    const wrong = await exchange(await code(), (await pkcePair()).verifier);
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe("invalid_grant");
    const right = await exchange(await code(), verifier);
    expect(right.status).toBe(200);
    const tokens = (await right.json()) as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
    };
    expect(tokens.expires_in).toBe(600);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.access_token.startsWith("globex:")).toBe(true);
  });
});

describe("invitations", () => {
  const INVITES = {
    acme: "invite-acme-0123456789",
    globex: "invite-globex-0123456789",
    unredeemed: "invite-acme-bearer-0123",
    short: "short-code",
    noKey: "invite-initech-0123456789",
  };

  /** How many invitations carry a used mark. */
  async function usedMarks(): Promise<number> {
    const { env } = await import("cloudflare:test");
    const list = await (env as unknown as { OAUTH_KV: KVNamespace }).OAUTH_KV.list({
      prefix: "switchyard-invite-used:",
    });
    return list.keys.length;
  }

  it("the page asks for a tenant key or invitation code", async () => {
    const form = await openConsent(fetcher, await authorizationUrl((await pkcePair()).challenge));
    expect(form.html).toContain("Tenant key or invitation code");
  });

  it("an invitation grants its tenant once: the exchanged token works on /mcp and sees only that tenant", async () => {
    const acme = await connect(TOKENS.acme);
    const acmeRun = await spawnA2aRun(acme, "streaming");
    await drainEvents(acme, acmeRun.run_id); // ended, so no run outlives the test
    await acme.close();
    const before = await grants("globex");
    const { verifier, challenge } = await pkcePair();
    const back = (await consentAs(fetcher, await authorizationUrl(challenge), INVITES.globex)).redirect;
    expect(await grants("globex")).toBe(before + 1);
    const res = await exchange(back.searchParams.get("code")!, verifier);
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    expect(access_token.startsWith("globex:")).toBe(true);
    const invited = await connect(access_token);
    const listed = await invited.ok("list_runs", {});
    expect(JSON.stringify(listed)).not.toContain(acmeRun.run_id);
    expect((await invited.err("get_run", { run_id: acmeRun.run_id })).code).toBe("not_found");
    await invited.close();
  });

  it("a second redemption is refused with a clear message and grants nothing", async () => {
    const before = await grants("acme");
    const marks = await usedMarks();
    await consentAs(fetcher, await authorizationUrl((await pkcePair()).challenge), INVITES.acme);
    expect(await grants("acme")).toBe(before + 1);
    expect(await usedMarks()).toBe(marks + 1);
    const form = await openConsent(fetcher, await authorizationUrl((await pkcePair()).challenge));
    const again = await submitConsent(fetcher, form, { tenant_key: INVITES.acme });
    expect(again.status).toBe(401);
    expect(again.headers.get("location")).toBeNull();
    expect(await again.text()).toContain("That invitation has already been used.");
    expect(await grants("acme")).toBe(before + 1);
    expect(await usedMarks()).toBe(marks + 1);
  });

  it("an invitation is no bearer token on /mcp nor on /runner/connect", async () => {
    const res = await SELF.fetch(`${BASE}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${INVITES.unredeemed}`,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const runner = await ScriptedRunner.connect({ token: INVITES.unredeemed, name: "invited" });
    await expect(runner.next("runner.welcome", () => true, 3_000)).rejects.toThrow(/4401/);
  });

  it("a code shorter than 16 characters, or for a tenant without a key, is ignored: nothing granted or marked", async () => {
    const before = { acme: await grants("acme"), initech: await grants("initech") };
    const marks = await usedMarks();
    for (const code of [INVITES.short, INVITES.noKey]) {
      const form = await openConsent(fetcher, await authorizationUrl((await pkcePair()).challenge));
      const res = await submitConsent(fetcher, form, { tenant_key: code });
      expect(res.status, code).toBe(401);
      expect(await res.text()).toContain("That tenant key or invitation code was not accepted.");
    }
    expect({ acme: await grants("acme"), initech: await grants("initech") }).toEqual(before);
    expect(await usedMarks()).toBe(marks);
  });
});
