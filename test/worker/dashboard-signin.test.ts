// Dashboard sign-in: a static token opens a session (cookie flags per origin), the session and its
// CSRF token read back, a wrong token, a run token or a foreign Origin opens none, sign-out revokes
// the session server-side, and a one-time link works exactly once.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, TOKENS } from "./support/mcp.ts";
import { cookieOf, dashFetch, ORIGIN, signIn, toolCall } from "./support/dashboard.ts";
import { orchestratingRun } from "./support/orchestrating-run.ts";

const HOUR_MS = 3600_000;

const signinRequest = (body: string | undefined, headers: Record<string, string> = { origin: ORIGIN }) =>
  dashFetch("/dashboard/signin", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body }),
  });

const sessionWith = (cookie: string) => dashFetch("/dashboard/session", { headers: { cookie } });

describe("sign-in with a token", () => {
  it("opens a 12 h session for the token's tenant with a __Host- cookie on https, readable back", async () => {
    const before = Date.now();
    const s = await signIn(TOKENS.acme);
    expect(s.tenant).toBe("acme");
    expect(s.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(s.expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 12 * HOUR_MS);
    expect(expires).toBeLessThanOrEqual(Date.now() + 12 * HOUR_MS);
    const [pair, ...attributes] = s.setCookie.split("; ");
    expect(pair).toMatch(/^__Host-sy_session=acme~[A-Za-z0-9_-]{43}$/);
    expect(attributes.sort()).toEqual(["HttpOnly", "Max-Age=43200", "Path=/", "SameSite=Strict", "Secure"]);

    const res = await sessionWith(s.cookie);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tenant: "acme", csrf_token: s.csrf_token, expires_at: s.expires_at });
  });

  it("on an http loopback origin the cookie is sy_session without Secure", async () => {
    const s = await signIn(TOKENS.globex, "http://127.0.0.1");
    expect(s.tenant).toBe("globex");
    const [pair, ...attributes] = s.setCookie.split("; ");
    expect(pair).toMatch(/^sy_session=globex~/);
    expect(attributes.sort()).toEqual(["HttpOnly", "Max-Age=43200", "Path=/", "SameSite=Strict"]);
    // Another origin's cookie name opens nothing here.
    expect((await sessionWith(s.cookie)).status).toBe(401);
  });

  it("each sign-in is its own session with its own CSRF token", async () => {
    const [a, b] = [await signIn(TOKENS.acme), await signIn(TOKENS.acme)];
    expect(a.cookie).not.toBe(b.cookie);
    expect(a.csrf_token).not.toBe(b.csrf_token);
  });

  it("a wrong token is 401 and sets no cookie", async () => {
    const res = await signinRequest(JSON.stringify({ token: "not-a-token" }));
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe("unauthorized");
  });

  it("a runner token is 401: it opens only /runner/connect", async () => {
    const res = await signinRequest(JSON.stringify({ token: "runner-token-acme" }));
    expect(res.status).toBe(401);
  });

  it("a live run's token is refused: it belongs to an agent, not a person", async () => {
    const c = await connect();
    const o = await orchestratingRun(c);
    // The token works on /mcp …
    expect((await o.scoped.ok("list_runs", {})).runs).toEqual([]);
    // … and signs nobody in to the dashboard.
    const res = await signinRequest(JSON.stringify({ token: o.token }));
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    // Nor does it mint a one-time link.
    const link = await dashFetch("/dashboard/signin-links", {
      method: "POST",
      headers: { authorization: `Bearer ${o.token}` },
    });
    expect(link.status).toBe(401);
    o.runner.close();
    await o.scoped.close();
    await c.close();
  });

  it.each([
    ["no body", undefined],
    ["text that is not JSON", "token=test-token-acme"],
    ["no token", "{}"],
    ["a token that is not a string", '{"token": 7}'],
    ["an empty token", '{"token": ""}'],
  ])("%s is 400 naming the token field", async (_what, body) => {
    const res = await signinRequest(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "bad_request", field: "token" });
  });

  it.each([
    ["no Origin", {}],
    ["another allowed origin", { origin: "http://127.0.0.1:9999" }],
    ["the same host over http", { origin: "http://switchyard.test" }],
  ])("%s is 403 and opens no session (login CSRF)", async (_what, headers) => {
    const res = await signinRequest(JSON.stringify({ token: TOKENS.acme }), headers);
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe("forbidden");
  });
});

describe("the session", () => {
  it("a session's secret under another tenant's name opens nothing", async () => {
    const s = await signIn(TOKENS.acme);
    const secret = s.cookie.split("~")[1]!;
    expect((await sessionWith(`__Host-sy_session=globex~${secret}`)).status).toBe(401);
    expect((await sessionWith(s.cookie)).status).toBe(200);
  });

  it("without a cookie, or with a forged one, is 401", async () => {
    const forged = `__Host-sy_session=acme~${"A".repeat(43)}`;
    for (const cookie of [
      undefined,
      forged,
      "__Host-sy_session=garbage",
      "__Host-sy_session=initech~" + "A".repeat(43),
    ]) {
      const res = await dashFetch("/dashboard/session", cookie ? { headers: { cookie } } : {});
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe("unauthorized");
    }
  });

  it("sign-out deletes it server-side: the old cookie is 401 everywhere, another session lives on", async () => {
    const s = await signIn(TOKENS.acme);
    const other = await signIn(TOKENS.acme);
    const out = await dashFetch("/dashboard/signout", {
      method: "POST",
      headers: { origin: ORIGIN, cookie: s.cookie, "x-csrf-token": s.csrf_token },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^__Host-sy_session=; .*Max-Age=0/);
    expect((await sessionWith(s.cookie)).status).toBe(401);
    expect((await toolCall(s, "list_runs", {})).status).toBe(401);
    expect((await sessionWith(other.cookie)).status).toBe(200);
  });

  it("sign-out without the CSRF token is 403 and the session stays", async () => {
    const s = await signIn(TOKENS.acme);
    const others: Record<string, string>[] = [
      {},
      { "x-csrf-token": "wrong" },
      { "x-csrf-token": (await signIn(TOKENS.acme)).csrf_token },
    ];
    for (const headers of others) {
      const res = await dashFetch("/dashboard/signout", {
        method: "POST",
        headers: { origin: ORIGIN, cookie: s.cookie, ...headers },
      });
      expect(res.status).toBe(403);
    }
    expect((await sessionWith(s.cookie)).status).toBe(200);
  });
});

describe("one-time sign-in links", () => {
  const mint = (token?: string) =>
    dashFetch("/dashboard/signin-links", {
      method: "POST",
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it("a link for the token's tenant signs in once, then says it was used", async () => {
    const res = await mint(TOKENS.globex);
    expect(res.status).toBe(201);
    const { url, expires_at } = (await res.json()) as { url: string; expires_at: string };
    expect(url).toMatch(
      /^https:\/\/switchyard\.test\/dashboard\/signin\/once\?code=globex~[A-Za-z0-9_-]{43}$/,
    );
    const left = Date.parse(expires_at) - Date.now();
    expect(left).toBeGreaterThan(9 * 60_000);
    expect(left).toBeLessThanOrEqual(10 * 60_000);

    const first = await SELF.fetch(url, { redirect: "manual" });
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/");
    const cookie = cookieOf(first.headers.get("set-cookie") ?? "");
    const session = await sessionWith(cookie);
    expect(session.status).toBe(200);
    expect(((await session.json()) as { tenant: string }).tenant).toBe("globex");

    const again = await SELF.fetch(url, { redirect: "manual" });
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe("/signin?error=link_used");
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  it("an unknown, malformed or cross-tenant code is link_invalid", async () => {
    const { url } = (await (await mint(TOKENS.acme)).json()) as { url: string };
    const secret = new URL(url).searchParams.get("code")!.split("~")[1]!;
    for (const code of [`acme~${"B".repeat(43)}`, "nonsense", `globex~${secret}`, `initech~${secret}`, ""]) {
      const res = await dashFetch(`/dashboard/signin/once?code=${encodeURIComponent(code)}`);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/signin?error=link_invalid");
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    // The real link is still unused after all that.
    expect((await SELF.fetch(url, { redirect: "manual" })).headers.get("location")).toBe("/");
  });

  it("minting needs a tenant's token: none, a wrong one or a runner token is 401", async () => {
    for (const token of [undefined, "nope", "runner-token-acme"])
      expect((await mint(token)).status).toBe(401);
  });
});
