// One run: its events streaming through the run's live socket (or, in an MCP App, long polls),
// where it stands, what it produced, and the actions a live run allows.
import { useEffect, useState } from "preact/hooks";
import { callTool, describeError } from "../api.ts";
import { dateTime } from "../format.ts";
import { followRun } from "../live.ts";
import { EventList } from "../parts/event-list.tsx";
import { RunActions } from "../parts/run-actions.tsx";
import { RunResult } from "../parts/run-result.tsx";
import { Status } from "../parts/status.tsx";
import type { RunEvent, RunView } from "../types.ts";

export function RunPage({ runId, follow = followRun }: { runId: string; follow?: typeof followRun }) {
  const [run, setRun] = useState<RunView | null>(null);
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setRun(null);
    setEvents([]);
    setError(null);
    // The socket sends the view on open and on every change; get_run only fills the page if it
    // answers first, so a slower answer never puts an older view over a newer one.
    callTool<RunView>("get_run", { run_id: runId }).then(
      (view) => setRun((shown) => shown ?? view),
      (e) => setError(describeError(e)),
    );
    return follow(runId, 0, {
      events: (fresh) => setEvents((had) => [...had, ...fresh]),
      run: setRun,
      error: (e) => setError(`${e.code}: ${e.message}`),
    });
  }, [runId]);

  return (
    <article aria-labelledby="run-title">
      <h1 id="run-title">{runId}</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {run && (
        <>
          <p class="run-head">
            <Status status={run.status} />
            {run.status_reason && <span class="muted"> ({run.status_reason})</span>} {run.backend} ·{" "}
            {run.agent_name} · {run.role} · {run.placement}
            {run.runner && ` on ${run.runner}`} · created {dateTime(run.created_at)}
          </p>
          {run.summary && (
            <p class="summary" aria-label="Doing now">
              {run.summary}
            </p>
          )}
          <RunActions run={run} />
        </>
      )}
      <section aria-labelledby="events-title">
        <h2 id="events-title">
          Events <span class="muted">({events.length})</span>
        </h2>
        <EventList runId={runId} events={events} />
      </section>
      {run && <RunResult run={run} />}
    </article>
  );
}
