// What an authenticated /mcp request carries from the auth layer to the routes: the tenant it acts
// for, whether it came with a static bearer token, an OAuth access token or a run token (which also
// names the run whose descendants are all it reaches). Parsed, never trusted.
import { z } from "zod";

export const TenantGrantSchema = z.object({
  tenant: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  run_id: z.string().optional(),
  agent_name: z.string().optional(),
});
export type TenantGrant = z.infer<typeof TenantGrantSchema>;

/** The grant an execution context's `props` hold, or undefined when they hold none. */
export function grantOf(props: unknown): TenantGrant | undefined {
  const parsed = TenantGrantSchema.safeParse(props);
  return parsed.success ? parsed.data : undefined;
}
