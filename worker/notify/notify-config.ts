// What a run's notifications are: the events a caller may choose, the `notify` argument of spawn_run
// and manage_lane (its secret kept apart like backend_config secrets), what get_run shows of it, and
// the rule for its URL: the edge egress rule, and plain http only for hosts the allow list admits.
import { z } from "zod";
import { badRequest } from "../../shared/errors.ts";
import type { RunStatus } from "../../shared/runs/status.ts";
import { canonicalAddress } from "../egress/address.ts";
import { isAllowed, type AllowList } from "../egress/allow-list.ts";
import { assertEdgeMayFetch } from "../egress/policy.ts";

export const NOTIFY_EVENTS = [
  "completed",
  "failed",
  "cancelled",
  "input_required",
  "auth_required",
  "review_verdict",
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** Shortest secret accepted (characters). */
export const MIN_SECRET_CHARS = 16;

export const NotifyInputSchema = z
  .strictObject({
    url: z.string().min(1).max(2048).describe("https URL that receives a POST per event."),
    events: z
      .array(z.enum(NOTIFY_EVENTS))
      .min(1)
      .max(NOTIFY_EVENTS.length)
      .describe(
        "Which to send: completed; failed (the run ended failed, timed out or rejected); cancelled; " +
          "input_required; auth_required; review_verdict (a reviewer's verdict on this run).",
      ),
    secret: z
      .string()
      .min(MIN_SECRET_CHARS)
      .max(256)
      .describe(`Signs every delivery (HMAC-SHA256); at least ${MIN_SECRET_CHARS} characters, never shown.`),
  })
  .describe(
    "Webhooks: one signed POST per chosen event (headers Switchyard-Delivery, Switchyard-Timestamp, " +
      "Switchyard-Signature: v1=<hex HMAC-SHA256 of '<timestamp>.<body>'>), retried until a 2xx, at least once.",
  );
export type NotifyInput = z.output<typeof NotifyInputSchema>;

/** Where a run's webhooks go and for which events: a notify without its secret. */
export type NotifyTarget = { url: string; events: NotifyEvent[] };

/** The public part of a given notify, each event named once. */
export const toNotifyTarget = (notify: NotifyInput): NotifyTarget => ({
  url: notify.url,
  events: [...new Set(notify.events)],
});

/** The public part of a run's notify, as its record keeps it and get_run shows it. */
export const NotifyViewSchema = z.object({
  url: z.string(),
  events: z.array(z.enum(NOTIFY_EVENTS)),
  deliveries: z.object({ pending: z.number(), delivered: z.number(), given_up: z.number() }),
});
export type NotifyView = z.infer<typeof NotifyViewSchema>;

/** The event a run entering `status` sends, if any: every failed ending (timeouts too) and a rejection are `failed`. */
export function eventOfStatus(status: RunStatus): NotifyEvent | undefined {
  if (status === "rejected" || status === "failed") return "failed";
  if (status === "completed" || status === "cancelled") return status;
  if (status === "input_required" || status === "auth_required") return status;
  return undefined;
}

/** Refuses a notify URL the edge may not POST to, naming `field`. */
export function assertNotifyUrl(url: string, field: string, allow: AllowList): void {
  assertEdgeMayFetch(url, field, allow);
  const parsed = new URL(url);
  if (parsed.protocol === "https:") return;
  const port = parsed.port ? Number(parsed.port) : 80;
  if (!isAllowed(allow, canonicalAddress(parsed.hostname).text, port))
    throw badRequest(field, `expected an https URL; http only for hosts SWITCHYARD_EDGE_ALLOW_HOSTS admits`);
}
