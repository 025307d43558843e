// The tenant's default notify: taken by every run spawned without its own notify and outside a lane
// that has one. One row of the tenant's storage (the tenant_notify table); its secret is read only
// to hand it to a new run, and what manage_notify shows of it says only that there is one.
import { z } from "zod";
import {
  NotifyViewSchema,
  toNotifyTarget,
  type NotifyEvent,
  type NotifyInput,
  type NotifyTarget,
} from "./notify-config.ts";

/** What manage_notify shows of the default: where it sends, which events, and whether a secret signs them. */
export const NotifyDefaultViewSchema = NotifyViewSchema.pick({ url: true, events: true }).extend({
  has_secret: z.boolean(),
});
export type NotifyDefaultView = z.infer<typeof NotifyDefaultViewSchema>;

/** A notify as a new run takes it: the target on its record, the secret into its private storage. */
export interface NotifyWithSecret {
  notify: NotifyTarget;
  secret: string;
}

export class TenantNotifyTable {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes the table. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /** The default as a new run takes it, or undefined when the tenant has none. */
  get(): NotifyWithSecret | undefined {
    const row = this.#sql
      .exec<{ url: string; events: string; secret: string }>("SELECT url, events, secret FROM tenant_notify")
      .toArray()[0];
    if (!row) return undefined;
    return { notify: { url: row.url, events: JSON.parse(row.events) as NotifyEvent[] }, secret: row.secret };
  }

  /** The default without its secret, or null when the tenant has none. */
  view(): NotifyDefaultView | null {
    const kept = this.get();
    return kept ? { ...kept.notify, has_secret: kept.secret.length > 0 } : null;
  }

  /** Replaces the default (the URL already judged by assertNotifyUrl). */
  set(notify: NotifyInput): void {
    const { url, events } = toNotifyTarget(notify);
    this.#sql.exec(
      "INSERT OR REPLACE INTO tenant_notify (id, url, events, secret) VALUES (1, ?, ?, ?)",
      url,
      JSON.stringify(events),
      notify.secret,
    );
  }

  /** Removes the default and its secret; runs spawned before keep the notify they took. */
  clear(): void {
    this.#sql.exec("DELETE FROM tenant_notify");
  }
}
