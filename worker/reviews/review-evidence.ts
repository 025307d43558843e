// What a reviewer and a remediation cycle are shown of a lane run: what it changed (commit and
// stat), the diff itself (inline up to INLINE_DIFF_BYTES, past that the artifact to read it from),
// and the test gate's result with the end of a failing gate's output.
import { TEST_OUTPUT_ARTIFACT_ID, type RunChanges, type TestResult } from "../../shared/lanes/lane-work.ts";
import { toBytes } from "../../shared/runs/utf8.ts";
import type { RunRpc } from "../objects/stubs.ts";
import type { RunRecord } from "../runs/run-record.ts";

/** A diff up to this many bytes goes into the reviewer's prompt whole. */
export const INLINE_DIFF_BYTES = 32 * 1024;
/** How much of the end of a failing test gate's output a prompt quotes. */
export const TEST_OUTPUT_TAIL_BYTES = 8 * 1024;

export interface LaneEvidence {
  run_id: string;
  changes: RunChanges | null;
  /** The whole diff, or null when it is larger than INLINE_DIFF_BYTES (or there is none). */
  diff: string | null;
  /** The diff's size in bytes (0 when there is none). */
  diff_bytes: number;
  tests: TestResult | null;
  /** The end of the test output when the gate failed, else null. */
  test_output_tail: string | null;
}

/** What evidence is read from: a run's record, whose changes and tests are absent or null outside a lane. */
type LaneOutcome = Pick<RunRecord, "run_id" | "result" | "changes" | "tests">;

/** Reads what the reviewer needs from the run's record and, for text stored apart, its object. */
export async function gatherEvidence(stub: RunRpc, record: LaneOutcome): Promise<LaneEvidence> {
  const changes = record.changes ?? null;
  const tests = record.tests ?? null;
  const diffId = changes?.diff_artifact ?? null;
  const diff = diffId ? await artifactText(stub, record, diffId, "head", INLINE_DIFF_BYTES) : null;
  const output =
    tests && !tests.passed
      ? await artifactText(
          stub,
          record,
          tests.output_artifact || TEST_OUTPUT_ARTIFACT_ID,
          "tail",
          TEST_OUTPUT_TAIL_BYTES,
        )
      : null;
  return {
    run_id: record.run_id,
    changes,
    diff: diff && diff.total <= INLINE_DIFF_BYTES ? diff.text : null,
    diff_bytes: diff?.total ?? 0,
    tests,
    test_output_tail: output?.text ?? null,
  };
}

/**
 * Up to `bytes` of an artifact's text — its beginning or its end — and its whole size; null when
 * the run holds no such artifact.
 */
async function artifactText(
  stub: RunRpc,
  record: LaneOutcome,
  artifactId: string,
  from: "head" | "tail",
  bytes: number,
): Promise<{ text: string; total: number } | null> {
  const artifact = record.result.artifacts.find((a) => a.artifact_id === artifactId);
  if (!artifact) return null;
  if (!artifact.text_ref) {
    const text = artifact.text ?? "";
    const total = toBytes(text).length;
    const kept = from === "head" ? text : tailOf(text, bytes);
    return { text: kept, total };
  }
  const total = artifact.text_ref.total_bytes;
  const offset = from === "head" ? 0 : Math.max(0, total - bytes);
  const page = await stub.readJoinedArtifact(artifactId, offset, bytes);
  return { text: page.text, total };
}

/** The last `bytes` of `text` or a little less (never splitting a character). */
function tailOf(text: string, bytes: number): string {
  let kept = text.slice(-bytes);
  while (toBytes(kept).length > bytes) kept = kept.slice(1);
  return kept;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** The prompt's account of the run's changes, its diff and its test gate. */
export function evidenceSections(e: LaneEvidence): string[] {
  const sections: string[] = [];
  const c = e.changes;
  if (c) {
    const what = `${plural(c.files_changed, "file")} changed, +${c.insertions} -${c.deletions}`;
    sections.push(
      c.commit
        ? `Its commit on the lane branch: ${c.commit} (${what}).`
        : `Its uncommitted changes: ${what}.`,
      c.files.length
        ? `Stat:\n${c.files.map((f) => `  ${f.path} | ${f.change} +${f.insertions} -${f.deletions}`).join("\n")}`
        : "It changed no files.",
    );
    if (e.diff !== null) sections.push(`The diff:\n\`\`\`diff\n${e.diff}\n\`\`\``);
    else if (c.diff_artifact)
      sections.push(
        `The diff is ${e.diff_bytes} bytes, too long to quote here: read it with get_event_artifact ` +
          `{"run_id": "${e.run_id}", "artifact_id": "${c.diff_artifact}"} (page with offset and limit).`,
      );
  }
  if (e.tests) sections.push(testLine(e.tests, e.test_output_tail));
  return sections;
}

function testLine(t: TestResult, tail: string | null): string {
  const verdict = t.passed
    ? "passed"
    : t.timed_out
      ? "timed out"
      : `failed with exit code ${t.exit_code ?? "none"}`;
  const line = `Test gate \`${t.command}\` ${verdict} after ${(t.duration_ms / 1000).toFixed(1)} s.`;
  return tail ? `${line} The end of its output:\n\`\`\`\n${tail}\n\`\`\`` : line;
}

/** The follow-up that continues a worker whose test gate failed. */
export function testRemediationPrompt(e: LaneEvidence): string {
  return [
    "The lane's test gate failed after your change. Fix the code so the tests pass, then summarise what you changed.",
    ...evidenceSections({ ...e, diff: null, changes: null }),
  ].join("\n\n");
}
