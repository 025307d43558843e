// Reading a page of what a run stores apart: an event field moved to artifact chunks, or a joined
// artifact's text kept behind `text_ref`. A miss is not_found naming what the run does have.
import { SwitchyardError } from "../../shared/errors.ts";
import { readPage, type ArtifactPage, type ArtifactRef } from "./artifacts.ts";
import type { RunLog } from "./run-log.ts";
import type { RunRecord } from "./run-record.ts";

/** A page of the field at `pointer` of event `seq` (bytes from `offset`, up to `limit`). */
export function readEventArtifact(
  log: RunLog,
  run: RunRecord,
  seq: number,
  pointer: string,
  offset: number,
  limit: number,
): ArtifactPage {
  const event = log.event(run, seq);
  if (!event)
    throw new SwitchyardError("not_found", `seq: no event ${seq} in this run (last_seq is ${run.last_seq})`, {
      field: "seq",
    });
  const refs = (event.data.artifact_refs ?? {}) as Record<string, ArtifactRef>;
  const ref = refs[pointer];
  if (!ref) {
    const known = Object.keys(refs);
    throw new SwitchyardError(
      "not_found",
      `field_path: event ${seq} has no artifact at "${pointer}"; ${known.length ? `its artifacts are ${known.map((k) => `"${k}"`).join(", ")}` : "it has no artifacts"}`,
      { field: "field_path" },
    );
  }
  return readPage(ref, offset, limit, (first, last) => log.readChunks(seq, pointer, first, last));
}

/** A page of the text of the run's joined artifact `artifactId` that its result keeps apart. */
export function readJoinedText(
  log: RunLog,
  run: RunRecord,
  artifactId: string,
  offset: number,
  limit: number,
): ArtifactPage {
  const artifacts = run.result.artifacts;
  const found = artifacts.find((a) => a.artifact_id === artifactId);
  if (!found?.text_ref) {
    const stored = artifacts.filter((a) => a.text_ref).map((a) => `"${a.artifact_id}"`);
    throw new SwitchyardError(
      "not_found",
      `artifact_id: ${found ? `artifact "${artifactId}" is whole in get_run's result` : `no artifact "${artifactId}" in this run's result`}; ${stored.length ? `stored apart are ${stored.join(", ")}` : "none is stored apart"}`,
      { field: "artifact_id" },
    );
  }
  return readPage(found.text_ref, offset, limit, (first, last) =>
    log.readArtifactText(artifactId, first, last),
  );
}
