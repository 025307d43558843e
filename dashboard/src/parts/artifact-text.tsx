// Stored text read page by page through get_event_artifact: an event field moved out of its event
// (seq + field_path) or a joined artifact (artifact_id). Shown as UTF-8 text, never as a download.
import { useState } from "preact/hooks";
import { callTool, describeError } from "../api.ts";
import type { ArtifactPage } from "../types.ts";

const PAGE_BYTES = 65_536;

export type ArtifactSource = { artifact_id: string } | { seq: number; field_path: string };

export function ArtifactText(props: { runId: string; source: ArtifactSource; label: string }) {
  const [text, setText] = useState<string | null>(null);
  const [page, setPage] = useState<ArtifactPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  // One page at a time: a second click before the first answer would read the same offset again.
  const [busy, setBusy] = useState(false);

  const read = async () => {
    setBusy(true);
    try {
      const next = await callTool<ArtifactPage>("get_event_artifact", {
        run_id: props.runId,
        ...props.source,
        offset: page?.next_offset ?? 0,
        limit: PAGE_BYTES,
      });
      setText((text ?? "") + next.text);
      setPage(next);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="artifact-text">
      {text !== null && (
        <pre aria-label={props.label} tabIndex={0}>
          {text}
        </pre>
      )}
      {page && (
        <p class="muted">
          {page.next_offset} of {page.total_bytes} bytes ({page.mime})
        </p>
      )}
      {(page === null || page.has_more) && (
        <button type="button" onClick={read} disabled={busy}>
          {page === null ? `Read ${props.label}` : "Read more"}
        </button>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </div>
  );
}
