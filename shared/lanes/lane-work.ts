// What a lane asks of the runner's machine and what the runner reports back, defined once for the
// Worker and the runner: the worktree a lane run works in, what the run changed there, the test
// gate's result, and landing or reclaiming the lane's branch. Imports neither node:* nor cloudflare:*.
import { z } from "zod";
import { NormalizedPathSchema } from "../protocol/paths.ts";

/** A git ref a lane names: a branch or a commit. No leading '-', no spaces, no '..' (git's own rules are checked by git). */
export const GitRefSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._\/@+-]+$/, "expected a branch or commit name");

/** What happens to a lane run's changes when the run ends. */
export const CommitPolicySchema = z.enum(["commit", "leave"]);
export type CommitPolicy = z.infer<typeof CommitPolicySchema>;

/** Longest a test gate may run; its default when the lane names none. */
export const MAX_TEST_TIMEOUT_S = 3600;
export const DEFAULT_TEST_TIMEOUT_S = 600;

/**
 * Where and how a lane run works, carried on its dispatch: the runner creates the worktree on the
 * lane's first run (`git worktree add`) and runs every later run of the lane in it.
 */
export const LaneWorkspaceSchema = z.object({
  lane_id: z.string().min(1).max(64),
  /** The repository on the runner's machine, under one of its roots. */
  repo: NormalizedPathSchema,
  /** The branch or commit the lane starts from; absent: the repository's current branch. */
  base: GitRefSchema.optional(),
  branch: GitRefSchema,
  commit_policy: CommitPolicySchema,
  test_command: z.string().min(1).max(2048).optional(),
  test_timeout_s: z.number().int().min(1).max(MAX_TEST_TIMEOUT_S).default(DEFAULT_TEST_TIMEOUT_S),
});
export type LaneWorkspace = z.infer<typeof LaneWorkspaceSchema>;

/** One file a run changed, as `file_changed` events and the changes summary name it. */
export const ChangedFileSchema = z.object({
  path: z.string(),
  change: z.enum(["added", "modified", "deleted", "renamed"]),
  insertions: z.number().int().min(0),
  deletions: z.number().int().min(0),
});
export type ChangedFile = z.infer<typeof ChangedFileSchema>;

/** The artifact ids under which a lane run's diff and test output are stored (artifact_added events). */
export const DIFF_ARTIFACT_ID = "lane-diff";
export const TEST_OUTPUT_ARTIFACT_ID = "lane-test-output";

/** What a lane run changed: `get_run.changes`. `commit` is null when nothing changed or the policy is `leave`. */
export const RunChangesSchema = z.object({
  commit: z.string().nullable(),
  files_changed: z.number().int().min(0),
  insertions: z.number().int().min(0),
  deletions: z.number().int().min(0),
  /** The artifact holding the stat and the full patch, or null when nothing changed. */
  diff_artifact: z.string().nullable(),
  files: z.array(ChangedFileSchema).max(1000),
});
export type RunChanges = z.infer<typeof RunChangesSchema>;

/** The test gate's result after a lane run: `get_run.tests` and the lane's history. */
export const TestResultSchema = z.object({
  command: z.string(),
  /** null when the command was killed at its timeout. */
  exit_code: z.number().int().nullable(),
  passed: z.boolean(),
  timed_out: z.boolean(),
  duration_ms: z.number().int().min(0),
  /** The artifact holding the command's output (stdout and stderr, interleaved). */
  output_artifact: z.string(),
});
export type TestResult = z.infer<typeof TestResultSchema>;

export const LandStrategySchema = z.enum(["fast_forward_or_merge", "fast_forward_only", "merge", "squash"]);
export type LandStrategy = z.infer<typeof LandStrategySchema>;

/** What landing answers: merged (with the new commit on base), or refused with the conflicting files. */
export const LandResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    commit: z.string(),
    strategy: z.enum(["fast_forward", "merge", "squash"]),
    worktree_removed: z.boolean(),
  }),
  z.object({
    ok: z.literal(false),
    code: z.enum(["conflict", "not_fast_forward", "not_found", "dirty", "git_failed"]),
    reason: z.string().max(4000),
    conflicts: z.array(z.string()).max(1000),
  }),
]);
export type LandResult = z.infer<typeof LandResultSchema>;

/** What reclaiming answers. */
export const ReclaimResultSchema = z.object({
  worktree_removed: z.boolean(),
  branch_deleted: z.boolean(),
  reason: z.string().max(4000).optional(),
});
export type ReclaimResult = z.infer<typeof ReclaimResultSchema>;
