// Dashboard sign-ins in the tenant's SQLite: sessions (12 h, each with its CSRF token) and one-time
// sign-in links (10 min, single use), each row keyed by the SHA-256 of its secret. Deleting a row
// is signing out: the cookie that named it opens nothing any more.
import { randomSecret, sha256Hex } from "../auth/secrets.ts";
import { SESSION_TTL_S } from "./session-cookie.ts";

/** How long a one-time sign-in link may be used (s). */
export const LINK_TTL_S = 600;
/** Sessions kept per tenant; opening one more ends the oldest. */
const MAX_SESSIONS = 1000;
/** Links not yet expired per tenant; minting one more drops the oldest. */
const MAX_LINKS = 100;

export interface DashboardSession {
  csrf_token: string;
  expires_at: string;
}

/** A session just opened: the secret goes into the cookie, only its hash stays here. */
export interface OpenedSession extends DashboardSession {
  secret: string;
}

export type LinkRedemption = "redeemed" | "link_used" | "link_invalid";

const iso = (ms: number) => new Date(ms).toISOString();

export class DashboardSessions {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  async open(nowMs: number): Promise<OpenedSession> {
    const secret = randomSecret();
    const idHash = await sha256Hex(secret);
    const expiresMs = nowMs + SESSION_TTL_S * 1000;
    const csrf_token = randomSecret();
    this.#sql.exec("DELETE FROM dashboard_sessions WHERE expires_ms <= ?", nowMs);
    this.#sql.exec(
      `DELETE FROM dashboard_sessions WHERE id_hash IN
         (SELECT id_hash FROM dashboard_sessions ORDER BY created_ms DESC LIMIT -1 OFFSET ?)`,
      MAX_SESSIONS - 1,
    );
    this.#sql.exec(
      "INSERT INTO dashboard_sessions (id_hash, csrf_token, created_ms, expires_ms) VALUES (?, ?, ?, ?)",
      idHash,
      csrf_token,
      nowMs,
      expiresMs,
    );
    return { secret, csrf_token, expires_at: iso(expiresMs) };
  }

  /** The live session `secret` opens, or undefined. */
  async find(secret: string, nowMs: number): Promise<DashboardSession | undefined> {
    const idHash = await sha256Hex(secret);
    const row = this.#sql
      .exec<{ csrf_token: string; expires_ms: number }>(
        "SELECT csrf_token, expires_ms FROM dashboard_sessions WHERE id_hash = ? AND expires_ms > ?",
        idHash,
        nowMs,
      )
      .toArray()[0];
    return row ? { csrf_token: row.csrf_token, expires_at: iso(row.expires_ms) } : undefined;
  }

  async close(secret: string): Promise<void> {
    this.#sql.exec("DELETE FROM dashboard_sessions WHERE id_hash = ?", await sha256Hex(secret));
  }

  /** A new one-time link's secret and when it expires. */
  async mintLink(nowMs: number): Promise<{ secret: string; expires_at: string }> {
    const secret = randomSecret();
    const codeHash = await sha256Hex(secret);
    const expiresMs = nowMs + LINK_TTL_S * 1000;
    this.#sql.exec("DELETE FROM dashboard_links WHERE expires_ms <= ?", nowMs);
    this.#sql.exec(
      `DELETE FROM dashboard_links WHERE code_hash IN
         (SELECT code_hash FROM dashboard_links ORDER BY expires_ms DESC LIMIT -1 OFFSET ?)`,
      MAX_LINKS - 1,
    );
    this.#sql.exec("INSERT INTO dashboard_links (code_hash, expires_ms) VALUES (?, ?)", codeHash, expiresMs);
    return { secret, expires_at: iso(expiresMs) };
  }

  /**
   * Uses a link once: the first redemption is marked in the same synchronous step that finds it
   * unused, so two racing redemptions cannot both succeed. A used link is kept until it expires, to
   * say it was used.
   */
  async redeemLink(secret: string, nowMs: number): Promise<LinkRedemption> {
    const codeHash = await sha256Hex(secret);
    const row = this.#sql
      .exec<{ used_ms: number | null }>(
        "SELECT used_ms FROM dashboard_links WHERE code_hash = ? AND expires_ms > ?",
        codeHash,
        nowMs,
      )
      .toArray()[0];
    if (!row) return "link_invalid";
    if (row.used_ms !== null) return "link_used";
    this.#sql.exec("UPDATE dashboard_links SET used_ms = ? WHERE code_hash = ?", nowMs, codeHash);
    return "redeemed";
  }
}
