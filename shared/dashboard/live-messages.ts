// What the dashboard's two live sockets send (server → client, JSON text; the client sends
// nothing): a run's events and view on /dashboard/runs/<id>/live, the tenant's change notices on
// /dashboard/live. The Worker builds them, the browser app reads them.
import type { ErrorBody } from "../errors.ts";

/** A run's socket: events after the cursor (poll_events' event shape), the run as get_run shows it, or why not. */
export type RunLiveMessage<Event = Record<string, unknown>, Run = Record<string, unknown>> =
  | { type: "events"; events: Event[]; next_after_seq: number }
  | { type: "run"; run: Run }
  | { type: "error"; error: Pick<ErrorBody, "code" | "message"> };

/** The tenant's feed: what changed, to be read again through the tools. */
export type TenantLiveMessage =
  | { type: "runs_changed"; run_ids: string[] }
  | { type: "lanes_changed"; lane_ids: string[] }
  | { type: "runners_changed" };

/** The close code a run socket ends with after its `error` message. */
export const LIVE_ERROR_CLOSE = 4404;
