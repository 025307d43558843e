// What a run produced and cost: its final answer, structured output and whether it validated,
// usage and cost, artifacts, its place in a run tree, and a lane run's diff and test gate.
import { cost, duration, between, tokens } from "../format.ts";
import { Link } from "../router.tsx";
import type { ArtifactView, RunView } from "../types.ts";
import { ArtifactText } from "./artifact-text.tsx";
import { TOKEN_FIELDS } from "../../../shared/runs/usage-fields.ts";

/**
 * An artifact's text: whole in get_run's result, or stored apart behind text_ref and read page by
 * page (get_event_artifact reads only the latter).
 */
function ArtifactBody({ runId, artifact, label }: { runId: string; artifact: ArtifactView; label: string }) {
  if (artifact.text_ref !== undefined)
    return <ArtifactText runId={runId} source={{ artifact_id: artifact.artifact_id }} label={label} />;
  return artifact.text !== undefined ? <pre aria-label={label}>{artifact.text}</pre> : null;
}

/** One of the run's artifacts by id (a lane run's diff, its test output), or a note that it is not there. */
function NamedArtifact({ run, artifactId, label }: { run: RunView; artifactId: string; label: string }) {
  const artifact = run.result.artifacts.find((a) => a.artifact_id === artifactId);
  if (!artifact) return <p class="muted">The {label} is not in this run's result.</p>;
  return <ArtifactBody runId={run.run_id} artifact={artifact} label={label} />;
}

function Usage({ run }: { run: RunView }) {
  const usage = run.result.usage;
  return (
    <section aria-labelledby="usage-title">
      <h2 id="usage-title">Usage</h2>
      {usage ? (
        <dl class="facts">
          {TOKEN_FIELDS.map((f) => (
            <>
              <dt>{f.replace(/_/g, " ")}</dt>
              <dd>{tokens(usage[f])}</dd>
            </>
          ))}
          <dt>cost</dt>
          <dd>{cost(usage.cost_usd)}</dd>
          {usage.unpriced_tokens > 0 && (
            <>
              <dt>unpriced tokens</dt>
              <dd>{tokens(usage.unpriced_tokens)}</dd>
            </>
          )}
          <dt>turns</dt>
          <dd>{usage.turns}</dd>
          {usage.model && (
            <>
              <dt>model</dt>
              <dd>{usage.model}</dd>
            </>
          )}
          <dt>duration</dt>
          <dd>{duration(between(run.started_at, run.completed_at))}</dd>
        </dl>
      ) : (
        <p class="muted">The backend reported no usage.</p>
      )}
    </section>
  );
}

function Lineage({ run }: { run: RunView }) {
  if (!run.parent_run_id && run.child_run_ids.length === 0 && !run.lane_id) return null;
  return (
    <section aria-labelledby="lineage-title">
      <h2 id="lineage-title">Lineage</h2>
      <dl class="facts">
        {run.parent_run_id && (
          <>
            <dt>parent</dt>
            <dd>
              <Link href={`/runs/${run.parent_run_id}`}>{run.parent_run_id}</Link>
            </dd>
          </>
        )}
        {run.child_run_ids.length > 0 && (
          <>
            <dt>children</dt>
            <dd>
              <ul aria-label="Child runs">
                {run.child_run_ids.map((id) => (
                  <li>
                    <Link href={`/runs/${id}`}>{id}</Link>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {run.lane_id && (
          <>
            <dt>lane</dt>
            <dd>
              <Link href="/lanes">{run.lane_id}</Link>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function LaneWork({ run }: { run: RunView }) {
  const { changes, tests, review } = run;
  if (!changes && !tests && !review) return null;
  return (
    <section aria-labelledby="lane-work-title">
      <h2 id="lane-work-title">Lane work</h2>
      {changes && (
        <>
          <p>
            {changes.commit ? `commit ${changes.commit.slice(0, 12)}: ` : "not committed: "}
            {changes.files_changed} file{changes.files_changed === 1 ? "" : "s"}, +{changes.insertions} −
            {changes.deletions}
          </p>
          {changes.diff_artifact && (
            <NamedArtifact run={run} artifactId={changes.diff_artifact} label="diff" />
          )}
        </>
      )}
      {tests && (
        <>
          <p>
            tests {tests.passed ? "passed" : tests.timed_out ? "timed out" : "failed"}:{" "}
            <code>{tests.command}</code> (exit {tests.exit_code ?? "—"}, {duration(tests.duration_ms)})
          </p>
          <NamedArtifact run={run} artifactId={tests.output_artifact} label="test output" />
        </>
      )}
      {review && (
        <p>
          review cycle {review.cycle}: {review.verdict ?? "pending"} — {review.summary} (
          <Link href={`/runs/${review.reviewer_run_id}`}>reviewer</Link>, {review.findings.length} findings)
        </p>
      )}
    </section>
  );
}

export function RunResult({ run }: { run: RunView }) {
  const { result } = run;
  const validation = result.structured_output_validation;
  // A lane run's diff and test output are shown under Lane work, not again in the list.
  const laneArtifacts = new Set([run.changes?.diff_artifact, run.tests?.output_artifact]);
  const artifacts = result.artifacts.filter((a) => !laneArtifacts.has(a.artifact_id));
  return (
    <>
      {run.error && (
        <p class="error">
          {run.error.code}: {run.error.message}
        </p>
      )}
      {(result.final_response !== null || result.structured_output !== undefined) && (
        <section aria-labelledby="result-title">
          <h2 id="result-title">Result</h2>
          {result.final_response !== null && (
            <pre class="final" aria-label="Final response">
              {result.final_response}
            </pre>
          )}
          {result.final_response_ref && (
            <ArtifactText
              runId={run.run_id}
              source={result.final_response_ref}
              label="the whole final response"
            />
          )}
          {result.structured_output !== undefined && (
            <>
              <h3>Structured output</h3>
              <pre aria-label="Structured output">{JSON.stringify(result.structured_output, null, 2)}</pre>
              {validation && (
                <p class={validation.valid ? "ok" : "error"}>
                  {validation.valid
                    ? "matches the output schema"
                    : `does not match the output schema: ${(validation.errors ?? []).join("; ")}`}
                </p>
              )}
            </>
          )}
        </section>
      )}
      <Usage run={run} />
      <LaneWork run={run} />
      {artifacts.length > 0 && (
        <section aria-labelledby="artifacts-title">
          <h2 id="artifacts-title">Artifacts</h2>
          <ul class="artifacts" aria-label="Artifacts">
            {artifacts.map((a) => (
              <li>
                <h3>{a.name ?? a.artifact_id}</h3>
                <ArtifactBody runId={run.run_id} artifact={a} label={a.name ?? a.artifact_id} />
                {a.parts.length > 0 && <pre>{JSON.stringify(a.parts, null, 2)}</pre>}
              </li>
            ))}
          </ul>
          {result.artifacts_omitted ? (
            <p class="muted">{result.artifacts_omitted} more in the events.</p>
          ) : null}
        </section>
      )}
      <Lineage run={run} />
    </>
  );
}
