// What a lane run changed in its worktree once its turn ended: everything staged, committed per the
// lane's commit_policy, then reported as file_changed events, the diff artifact (stat and full
// patch) and one lane_changes event carrying RunChanges.
import { emit, type BackendOutput } from "../../shared/backends/backend.ts";
import {
  DIFF_ARTIFACT_ID,
  RunChangesSchema,
  type ChangedFile,
  type LaneWorkspace,
  type RunChanges,
} from "../../shared/lanes/lane-work.ts";
import { artifactChunks, boundedText } from "./artifact-chunks.ts";
import { commitIdentity, git, gitLine, type GitPlace } from "./git.ts";
import type { LaneTree } from "./worktree.ts";

/** The patch kept in the diff artifact; a bigger one keeps its beginning (the stat lists every file). */
const MAX_PATCH_BYTES = 4 * 1024 * 1024;
/** Files named one by one (events and RunChanges.files); the counts cover them all. */
const MAX_FILES = 1000;
/** Answer text kept in a commit message. */
const MAX_BODY_CHARS = 4000;

/** The turn whose changes are recorded. */
export interface EndedTurn {
  runId: string;
  role: string;
  /** The run's final answer, or what its failure said. */
  answer: string | undefined;
  /** HEAD of the worktree when the turn began: commits the agent made itself count as the run's. */
  start: string;
}

export async function recordChanges(
  tree: LaneTree,
  lane: LaneWorkspace,
  turn: EndedTurn,
): Promise<{ changes: RunChanges; outputs: BackendOutput[] }> {
  const at = tree.place;
  await git(at, ["add", "--all"]);
  const staged = (await git(at, ["diff", "--cached", "--quiet"], [1])).exitCode === 1;
  if (staged && lane.commit_policy === "commit") {
    await git(at, [
      ...(await commitIdentity(at)),
      "commit",
      "--quiet",
      "--no-verify",
      "--message",
      commitMessage(lane, turn),
    ]);
  }
  const head = await gitLine(at, ["rev-parse", "HEAD"]);
  // leave: the staged changes on top of where the turn began; commit: the commits since then.
  const range = lane.commit_policy === "commit" ? [turn.start, head] : ["--cached", turn.start];
  const files = await changedFiles(at, range);
  const totals = files.reduce((t, f) => ({ ins: t.ins + f.insertions, del: t.del + f.deletions }), {
    ins: 0,
    del: 0,
  });
  const changes = RunChangesSchema.parse({
    commit: lane.commit_policy === "commit" && head !== turn.start ? head : null,
    files_changed: files.length,
    insertions: totals.ins,
    deletions: totals.del,
    diff_artifact: files.length ? DIFF_ARTIFACT_ID : null,
    files: files.slice(0, MAX_FILES),
  });
  const outputs = files.slice(0, MAX_FILES).map((file) => emit("file_changed", { ...file }));
  if (files.length) {
    const stat = (await git(at, ["diff", "--stat=200", ...range])).stdout;
    const patch = boundedText((await git(at, ["diff", ...range])).stdout, MAX_PATCH_BYTES);
    outputs.push(...artifactChunks(DIFF_ARTIFACT_ID, "diff", `${stat}\n${patch}`));
  }
  outputs.push(emit("lane_changes", changes));
  return { changes, outputs };
}

/** Subject from the role and the answer's first line; the answer as the body; trailers for tools. */
export function commitMessage(lane: LaneWorkspace, turn: EndedTurn): string {
  const answer = (turn.answer ?? "").trim();
  const firstLine = answer.split("\n", 1)[0]!.trim();
  const subject = `${turn.role}: ${firstLine ? clip(firstLine, 72) : `run ${turn.runId}`}`;
  const body = answer && answer !== firstLine ? `\n\n${clip(answer, MAX_BODY_CHARS)}` : "";
  return `${subject}${body}\n\nSwitchyard-Run: ${turn.runId}\nSwitchyard-Lane: ${lane.lane_id}\nSwitchyard-Role: ${turn.role}\n`;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const CHANGE: Record<string, ChangedFile["change"]> = {
  A: "added",
  C: "added",
  D: "deleted",
  M: "modified",
  T: "modified",
  R: "renamed",
};

/** Every file of the diff `range`: what happened to it (renames found) and its line counts. */
async function changedFiles(at: GitPlace, range: string[]): Promise<ChangedFile[]> {
  const status = (await git(at, ["diff", "--name-status", "-z", "-M", ...range])).stdout.split("\0");
  const changes = new Map<string, ChangedFile["change"]>();
  for (let i = 0; i < status.length - 1;) {
    const letter = status[i]![0]!;
    const renamed = letter === "R" || letter === "C";
    changes.set(status[renamed ? i + 2 : i + 1]!, CHANGE[letter] ?? "modified");
    i += renamed ? 3 : 2;
  }
  const numstat = (await git(at, ["diff", "--numstat", "-z", "-M", ...range])).stdout.split("\0");
  const files: ChangedFile[] = [];
  for (let i = 0; i < numstat.length - 1;) {
    const [ins, del, named] = numstat[i]!.split("\t");
    // A rename is `ins del ` followed by the old and the new path.
    const path = named ? named : numstat[i + 2]!;
    i += named ? 1 : 3;
    files.push({
      path,
      change: changes.get(path) ?? "modified",
      // Binary files count no lines ("-").
      insertions: Number(ins) || 0,
      deletions: Number(del) || 0,
    });
  }
  return files;
}
