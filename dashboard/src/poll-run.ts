// Following a run where no socket reaches the Worker (an MCP App's frame): poll_events with
// wait_ms, which parks server-side until the next event is stored, so each call answers as soon
// as there is something new; get_run again after each answer that brought anything (what the run
// is doing now and its result move with its events, as the socket's view does).
import { ToolError, callTool } from "./api.ts";
import type { RunStreamHandlers } from "./live.ts";
import type { RunEvent, RunView } from "./types.ts";

interface EventsPage {
  status: string;
  terminal: boolean;
  events: RunEvent[];
  next_after_seq: number;
}

/** The longest park poll_events allows. */
const WAIT_MS = 30_000;

/** followRun's contract over poll_events: every event after `afterSeq` once, the view on each change. */
export function pollRun(runId: string, afterSeq: number, on: RunStreamHandlers): () => void {
  let stopped = false;
  const follow = async () => {
    let after = afterSeq;
    let status: string | undefined;
    while (!stopped) {
      const page = await callTool<EventsPage>("poll_events", {
        run_id: runId,
        after_seq: after,
        wait_ms: WAIT_MS,
      });
      if (stopped) return;
      after = page.next_after_seq;
      if (page.events.length) on.events(page.events);
      if (page.events.length || page.status !== status) {
        status = page.status;
        on.run(await callTool<RunView>("get_run", { run_id: runId }));
      }
      // An ended run answers at once: stop once it has nothing more to give.
      if (page.terminal && page.events.length === 0) return;
    }
  };
  follow().catch((e) =>
    on.error(
      e instanceof ToolError ? e : { code: "bridge", message: e instanceof Error ? e.message : String(e) },
    ),
  );
  return () => {
    stopped = true;
  };
}
