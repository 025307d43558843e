// Dashboard sign-in through the server's own OAuth: the start sends the browser to the consent page
// with PKCE S256 and a state cookie, the callback checks the state, exchanges the code in-process and
// opens a session for the tenant the person signed in as, keeping no grant; anything off on the way
// ends at /signin?error=oauth_failed with no session. An OAuth access token signs in by itself too.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { consentAs, openConsent, pkcePair, submitConsent } from "../fixtures/oauth-consent.ts";
import { TOKENS } from "./support/mcp.ts";
import { cookieOf, dashFetch, ORIGIN, signIn } from "./support/dashboard.ts";

const fetcher = (url: string, init?: RequestInit) => SELF.fetch(url, init);
const CALLBACK = `${ORIGIN}/dashboard/oauth/callback`;
const FAILED = "/signin?error=oauth_failed";

/** How many grants the provider holds for `tenant`. */
async function grants(tenant: string): Promise<number> {
  const kv = (env as unknown as { OAUTH_KV: KVNamespace }).OAUTH_KV;
  return (await kv.list({ prefix: `grant:${tenant}:` })).keys.length;
}

/** GET /dashboard/oauth/start: where it sends the browser, and the state cookie it set. */
async function start() {
  const res = await dashFetch("/dashboard/oauth/start");
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get("location")!);
  return {
    location,
    setCookie: res.headers.get("set-cookie")!,
    cookie: cookieOf(res.headers.get("set-cookie")!),
  };
}

/** The start, then the consent page signed in with `tenantKey`: the callback URL it redirects to. */
async function throughConsent(tenantKey: string) {
  const begun = await start();
  const { redirect } = await consentAs(fetcher, begun.location.href, tenantKey);
  return { ...begun, callback: redirect };
}

const callback = (url: URL | string, cookie?: string) =>
  SELF.fetch(String(url), { redirect: "manual", headers: cookie ? { cookie } : {} });

describe("OAuth sign-in", () => {
  it("starts at the consent page with PKCE S256, this origin's callback and resource, and a state cookie", async () => {
    const { location, setCookie } = await start();
    expect(location.origin + location.pathname).toBe(`${ORIGIN}/authorize`);
    const q = Object.fromEntries(location.searchParams);
    expect(q).toMatchObject({
      response_type: "code",
      redirect_uri: CALLBACK,
      code_challenge_method: "S256",
      resource: `${ORIGIN}/mcp`,
    });
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [pair, ...attributes] = setCookie.split("; ");
    expect(pair).toMatch(new RegExp(`^__Host-sy_oauth=${q.state}\\.[A-Za-z0-9_-]{43}$`));
    expect(attributes.sort()).toEqual(["HttpOnly", "Max-Age=600", "Path=/", "SameSite=Strict", "Secure"]);
    // The same first-party client every time: registered once.
    expect((await start()).location.searchParams.get("client_id")).toBe(q.client_id);
  });

  it("signs in as the tenant whose key was entered, and keeps no OAuth grant", async () => {
    const before = await grants("globex");
    const { callback: back, cookie } = await throughConsent(TOKENS.globex);
    expect(back.origin + back.pathname).toBe(CALLBACK);
    const res = await callback(back, cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/");
    const session = res.headers.getSetCookie().find((c) => c.startsWith("__Host-sy_session="))!;
    expect(session).toContain("HttpOnly");
    const read = await dashFetch("/dashboard/session", { headers: { cookie: cookieOf(session) } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { tenant: string }).tenant).toBe("globex");
    // The state cookie is spent, and the grant the code came from is gone.
    expect(res.headers.getSetCookie().some((c) => /^__Host-sy_oauth=; .*Max-Age=0/.test(c))).toBe(true);
    expect(await grants("globex")).toBe(before);
    // The same code again signs nobody in.
    const replay = await callback(back, cookie);
    expect(replay.headers.get("location")).toBe(FAILED);
  });

  it.each([
    ["no state cookie", (back: URL, _cookie: string) => callback(back)],
    [
      "a state that is not the cookie's",
      (back: URL, cookie: string) => {
        const forged = new URL(back);
        forged.searchParams.set("state", "A".repeat(43));
        return callback(forged, cookie);
      },
    ],
    ["another start's state cookie", async (back: URL) => callback(back, (await start()).cookie)],
    [
      "no code",
      (back: URL, cookie: string) => {
        const bare = new URL(back);
        bare.searchParams.delete("code");
        return callback(bare, cookie);
      },
    ],
    [
      "a code that was never issued",
      (back: URL, cookie: string) => {
        const forged = new URL(back);
        forged.searchParams.set("code", "acme:nothing:nothing");
        return callback(forged, cookie);
      },
    ],
  ])("%s ends at oauth_failed with no session", async (_what, call) => {
    const { callback: back, cookie } = await throughConsent(TOKENS.acme);
    const res = await call(back, cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(FAILED);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("__Host-sy_session="))).toBe(false);
  });

  it("a denied consent ends at oauth_failed", async () => {
    const begun = await start();
    const form = await openConsent(fetcher, begun.location.href);
    const denied = await submitConsent(fetcher, form, { decision: "deny" });
    const back = new URL(denied.headers.get("location")!);
    expect(back.searchParams.get("error")).toBe("access_denied");
    const res = await callback(back, begun.cookie);
    expect(res.headers.get("location")).toBe(FAILED);
  });
});

describe("an OAuth access token", () => {
  it("signs in at POST /dashboard/signin like a static token", async () => {
    const REDIRECT = "http://127.0.0.1:33419/callback";
    const reg = await dashFetch("/oauth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "a CLI",
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code"],
        response_types: ["code"],
      }),
    });
    const { client_id } = (await reg.json()) as { client_id: string };
    const { verifier, challenge } = await pkcePair();
    const url = new URL(`${ORIGIN}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: "code",
      client_id,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "s",
      resource: `${ORIGIN}/mcp`,
    }))
      url.searchParams.set(k, v);
    const { redirect } = await consentAs(fetcher, url.href, TOKENS.acme);
    const token = await dashFetch("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: redirect.searchParams.get("code")!,
        redirect_uri: REDIRECT,
        client_id,
        code_verifier: verifier,
      }).toString(),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const s = await signIn(access_token);
    expect(s.tenant).toBe("acme");
  });
});
