// Dashboard sessions and one-time links as the tenant's object keeps them: only hashes of their
// secrets are stored, a session ends at its expiry or its sign-out, a link opens once within ten
// minutes even when two redemptions race, and a tenant taken out of SWITCHYARD_TOKENS loses its
// sessions with its key.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../worker/auth/secrets.ts";
import { sessionOf } from "../../worker/dashboard/require-session.ts";
import { SESSION_TTL_S } from "../../worker/dashboard/session-cookie.ts";
import { DashboardSessions, LINK_TTL_S } from "../../worker/dashboard/session-table.ts";
import type { Env } from "../../worker/env.ts";
import { ORIGIN, signIn } from "./support/dashboard.ts";
import { TOKENS } from "./support/mcp.ts";
import { withSql } from "./support/storage.ts";

const bindings = env as unknown as Env;

describe("the session table", () => {
  it("keeps the hash of a session's secret, finds it until it expires, and forgets it at sign-out", () =>
    withSql(async (sql) => {
      const sessions = new DashboardSessions(sql);
      const now = Date.now();
      const opened = await sessions.open(now);
      const rows = sql.exec("SELECT * FROM dashboard_sessions").toArray();
      expect(rows).toEqual([
        {
          id_hash: await sha256Hex(opened.secret),
          csrf_token: opened.csrf_token,
          created_ms: now,
          expires_ms: now + SESSION_TTL_S * 1000,
        },
      ]);
      expect(JSON.stringify(rows)).not.toContain(opened.secret);
      expect(await sessions.find(opened.secret, now + SESSION_TTL_S * 1000 - 1)).toEqual({
        csrf_token: opened.csrf_token,
        expires_at: opened.expires_at,
      });
      expect(await sessions.find(opened.secret, now + SESSION_TTL_S * 1000)).toBeUndefined();
      expect(await sessions.find(opened.secret.replace(/.$/, "x"), now)).toBeUndefined();
      await sessions.close(opened.secret);
      expect(await sessions.find(opened.secret, now)).toBeUndefined();
      expect(sql.exec("SELECT COUNT(*) AS n FROM dashboard_sessions").one().n).toBe(0);
    }));

  it("opening a session sweeps the expired ones", () =>
    withSql(async (sql) => {
      const sessions = new DashboardSessions(sql);
      const now = Date.now();
      await sessions.open(now);
      await sessions.open(now + SESSION_TTL_S * 1000);
      expect(sql.exec("SELECT COUNT(*) AS n FROM dashboard_sessions").one().n).toBe(1);
    }));

  it("a link opens once, even when two redemptions race; expired or unknown it is invalid", () =>
    withSql(async (sql) => {
      const sessions = new DashboardSessions(sql);
      const now = Date.now();
      const link = await sessions.mintLink(now);
      expect(JSON.stringify(sql.exec("SELECT * FROM dashboard_links").toArray())).not.toContain(link.secret);
      const raced = await Promise.all([
        sessions.redeemLink(link.secret, now),
        sessions.redeemLink(link.secret, now),
      ]);
      expect(raced.sort()).toEqual(["link_used", "redeemed"]);
      expect(await sessions.redeemLink(link.secret, now + 1)).toBe("link_used");
      const late = await sessions.mintLink(now);
      expect(await sessions.redeemLink(late.secret, now + LINK_TTL_S * 1000)).toBe("link_invalid");
      expect(await sessions.redeemLink("A".repeat(43), now)).toBe("link_invalid");
    }));
});

describe("a session through the Worker", () => {
  it("stores no cookie secret in the tenant's object", async () => {
    const s = await signIn(TOKENS.acme);
    const secret = s.cookie.split("~")[1]!;
    const stub = bindings.TENANTS.getByName("acme") as unknown as DurableObjectStub;
    const rows = await runInDurableObject(stub, (_i, state: DurableObjectState) =>
      state.storage.sql.exec("SELECT * FROM dashboard_sessions").toArray(),
    );
    expect(rows.map((r) => r.id_hash)).toContain(await sha256Hex(secret));
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it("is lost when its tenant is taken out of SWITCHYARD_TOKENS", async () => {
    const s = await signIn(TOKENS.acme);
    const request = new Request(`${ORIGIN}/dashboard/session`, { headers: { cookie: s.cookie } });
    expect((await sessionOf(bindings, request))?.tenant).toBe("acme");
    const without = { ...bindings, SWITCHYARD_TOKENS: `globex=${TOKENS.globex}` };
    expect(await sessionOf(without, request)).toBeUndefined();
  });
});
