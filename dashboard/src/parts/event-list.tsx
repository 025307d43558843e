// A run's events, one line each (the same few words the terminal view prints), each opening to its
// JSON; fields moved out of an event for size are read through get_event_artifact.
import { eventSummary } from "../../../shared/runs/event-summary.ts";
import { clock } from "../format.ts";
import type { RunEvent } from "../types.ts";
import { ArtifactText } from "./artifact-text.tsx";

const refsOf = (event: RunEvent) => Object.keys((event.data.artifact_refs as Record<string, unknown>) ?? {});

export function EventList({ runId, events }: { runId: string; events: RunEvent[] }) {
  return (
    <ol class="events" aria-label="Events">
      {events.map((e) => (
        <li key={e.seq} data-seq={e.seq} class={`event event-${e.type}`}>
          <details>
            <summary>
              <span class="seq">#{e.seq}</span> <time dateTime={e.ts}>{clock(e.ts)}</time>{" "}
              <span class="type">{e.type}</span> <span class="text">{eventSummary(e)}</span>
            </summary>
            <pre>{JSON.stringify(e.data, null, 2)}</pre>
            {refsOf(e).map((field_path) => (
              <ArtifactText
                runId={runId}
                source={{ seq: e.seq, field_path }}
                label={`${field_path} of #${e.seq}`}
              />
            ))}
          </details>
        </li>
      ))}
    </ol>
  );
}
