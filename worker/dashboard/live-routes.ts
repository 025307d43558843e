// The dashboard's WebSockets: a run's live log (GET /dashboard/runs/<id>/live, handed to the run's
// object) and the tenant's feed (GET /dashboard/live, handed to the tenant's object). Both need the
// session cookie and an Origin equal to this origin; the object is named by the session's tenant,
// so another tenant's run id reaches an object holding nothing.
import { Hono, type Context } from "hono";
import type { Env } from "../env.ts";
import { runStub, tenantStub } from "../objects/stubs.ts";
import { DASHBOARD_FEED_PATH } from "../objects/tenant-object.ts";
import { RUN_ID_PATTERN } from "../runs/ids.ts";
import { SwitchyardError, badRequest } from "../../shared/errors.ts";
import { requireSameOrigin, requireSession, type SessionVariables } from "./require-session.ts";
import { RunLive } from "./run-live.ts";

export const liveRoutes = new Hono<{ Bindings: Env; Variables: SessionVariables }>();

const requireUpgrade = (c: Context) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new SwitchyardError("bad_request", "expected a WebSocket upgrade");
};

/** `after_seq`: absent (0) or a whole number of at least 0. */
function afterSeqOf(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 0;
  const n = Number(raw);
  if (!/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(n))
    throw badRequest("after_seq", "expected a whole number of at least 0");
  return n;
}

/** The upgrade as an object sees it: its own path, only what it needs, nothing of the browser's. */
const handOver = (path: string) =>
  new Request(`https://switchyard.internal${path}`, { headers: { upgrade: "websocket" } });

liveRoutes.get("/dashboard/runs/:run_id/live", requireSameOrigin(true), requireSession(), async (c) => {
  requireUpgrade(c);
  const runId = c.req.param("run_id");
  const afterSeq = afterSeqOf(c.req.query("after_seq"));
  // Not an id at all: no object is woken to say so.
  if (!RUN_ID_PATTERN.test(runId)) return RunLive.refuse({ code: "not_found", message: "run not found" });
  const stub = await runStub(c.env, c.get("session").tenant, runId);
  return stub.fetch(handOver(`/live?after_seq=${afterSeq}`));
});

liveRoutes.get(DASHBOARD_FEED_PATH, requireSameOrigin(true), requireSession(), async (c) => {
  requireUpgrade(c);
  return (await tenantStub(c.env, c.get("session").tenant)).fetch(handOver(DASHBOARD_FEED_PATH));
});
