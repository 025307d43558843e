// The lanes board: one column per lane status, each lane with its queue, current run, review
// verdicts and open findings, and the land / close actions; read again on every lane change.
import { useState } from "preact/hooks";
import { LANE_STATUSES } from "../../../shared/lanes/lane-status.ts";
import { callTool, describeError } from "../api.ts";
import { Link } from "../router.tsx";
import { useLoaded } from "../use-tool.ts";
import type { Lane, LaneActivity } from "../types.ts";

async function readBoard(): Promise<LaneActivity[]> {
  const { lanes } = await callTool<{ lanes: Lane[] }>("manage_lane", { operation: "list" });
  return Promise.all(
    lanes.map((l) => callTool<LaneActivity>("get_lane_activity", { lane_id: l.lane_id, limit: 1 })),
  );
}

function LaneCard({ activity, onChanged }: { activity: LaneActivity; onChanged(): void }) {
  const { lane, queue, current_run_id, waiting_reason, reviews, open_findings } = activity;
  const [error, setError] = useState<string | null>(null);
  const waiting = queue.filter((i) => i.state === "waiting");
  const act = async (operation: "land" | "close") => {
    setError(null);
    try {
      await callTool("manage_lane", { operation, lane_id: lane.lane_id });
      onChanged();
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <li class="lane" aria-label={`Lane ${lane.lane_id}`} data-lane-id={lane.lane_id}>
      <h3>{lane.lane_id}</h3>
      {lane.title !== lane.lane_id && <p>{lane.title}</p>}
      {lane.branch && (
        <p class="muted">
          {lane.branch}
          {lane.holder && ` on ${lane.holder}`}
        </p>
      )}
      {current_run_id && (
        <p>
          now: <Link href={`/runs/${current_run_id}`}>{current_run_id}</Link>
        </p>
      )}
      <p>
        queue: {waiting.length} waiting
        {waiting_reason && <span class="muted"> — {waiting_reason}</span>}
      </p>
      {waiting.length > 0 && (
        <ol class="queue" aria-label={`Queue of ${lane.lane_id}`}>
          {waiting.map((i) => (
            <li>{i.prompt}</li>
          ))}
        </ol>
      )}
      {reviews.length > 0 && (
        <p>
          verdicts:{" "}
          {reviews.map((r) => (
            <Link href={`/runs/${r.reviewer_run_id}`} class={`verdict verdict-${r.verdict ?? "pending"}`}>
              {r.verdict ?? "pending"}
            </Link>
          ))}
        </p>
      )}
      {open_findings.length > 0 && (
        <details>
          <summary>{open_findings.length} open findings</summary>
          <ul>
            {open_findings.map((f) => (
              <li>
                <strong>{f.severity}</strong> {f.file_path}:{f.line_start} — {f.description}
              </li>
            ))}
          </ul>
        </details>
      )}
      <div class="lane-actions">
        {lane.status === "review" && (
          <button type="button" onClick={() => act("land")}>
            Land
          </button>
        )}
        {lane.status !== "closed" && (
          <button type="button" onClick={() => act("close")}>
            Close
          </button>
        )}
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </li>
  );
}

export function Lanes() {
  const board = useLoaded(readBoard, "board", ["lanes_changed", "runs_changed"]);
  return (
    <section aria-labelledby="lanes-title">
      <h1 id="lanes-title">Lanes</h1>
      {board.error && (
        <p role="alert" class="error">
          {board.error}
        </p>
      )}
      <div class="board">
        {LANE_STATUSES.map((status) => {
          const lanes = (board.data ?? []).filter((a) => a.lane.status === status);
          return (
            <section class="column" aria-labelledby={`col-${status}`}>
              <h2 id={`col-${status}`}>
                {status} <span class="muted">({lanes.length})</span>
              </h2>
              <ul aria-label={`${status} lanes`}>
                {lanes.map((a) => (
                  <LaneCard key={a.lane.lane_id} activity={a} onChanged={board.reload} />
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </section>
  );
}
