// manage_notify: read, set or clear the tenant's default notify, which every run spawned without
// its own notify (and outside a lane that has one) takes. Its secret is kept apart and never shown.
import { z } from "zod";
import { parseAllowHosts } from "../../egress/allow-list.ts";
import { NotifyInputSchema, assertNotifyUrl } from "../../notify/notify-config.ts";
import { NotifyDefaultViewSchema } from "../../notify/tenant-notify.ts";
import { tenantStub } from "../../objects/stubs.ts";
import { defineTool } from "../tool.ts";

export const manageNotify = defineTool({
  name: "manage_notify",
  description:
    "The tenant's default notify: every run spawned without its own notify, outside a lane that has one, sends " +
    "its webhooks there (a run's own notify wins, then its lane's). action set takes notify (as spawn_run's: url, " +
    "events, secret) and replaces the default; get shows it; clear removes it. Runs spawned before a change keep " +
    "the notify they took. The secret signs the deliveries and is never shown: the answer says has_secret.",
  annotations: {
    title: "Manage the default notify",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  input: z
    .strictObject({
      action: z.enum(["get", "set", "clear"]),
      // Undescribed here, so it keeps spawn_run's description of the signed deliveries.
      notify: NotifyInputSchema.optional(),
    })
    .superRefine((v, ctx) => {
      if (v.action === "set" && v.notify === undefined)
        ctx.addIssue({ code: "custom", path: ["notify"], message: "required for action set" });
      if (v.action !== "set" && v.notify !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["notify"],
          message: `only taken by action set, not ${v.action}`,
        });
    }),
  output: z.object({
    action: z.string(),
    notify: NotifyDefaultViewSchema.nullable().describe("The default as it is now; null when there is none."),
  }),
  async handler({ action, notify }, ctx) {
    const tenant = await tenantStub(ctx.env, ctx.tenant);
    if (action === "get") return { action, notify: await tenant.notifyDefault() };
    if (notify)
      assertNotifyUrl(notify.url, "notify.url", parseAllowHosts(ctx.env.SWITCHYARD_EDGE_ALLOW_HOSTS));
    return { action, notify: await tenant.setNotifyDefault(notify ?? null) };
  },
});
