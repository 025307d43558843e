// Lanes: a named stream of work inside a task — one worktree and branch — with defaults
// that runs dispatched into it inherit, a status with only sensible transitions, and dependencies.
// A lane with a `repo` works in a git worktree on the runner that holds it (lane-workspace.ts).
import { z } from "zod";
import { badRequest } from "../../shared/errors.ts";
import { RunnerLabelsSchema } from "../backends/registry.ts";
import {
  CommitPolicySchema,
  DEFAULT_TEST_TIMEOUT_S,
  GitRefSchema,
  MAX_TEST_TIMEOUT_S,
} from "../../shared/lanes/lane-work.ts";
import { AbsolutePathSchema, BackendConfigSchema } from "../mcp/fields.ts";
import { ReviewPolicySchema } from "../reviews/review-policy.ts";
import { defaultBranch, laneWorkspace } from "./lane-workspace.ts";
import { NotifyInputSchema, NotifyViewSchema, toNotifyTarget } from "../notify/notify-config.ts";

export const LANE_STATUSES = ["planned", "active", "blocked", "review", "merged", "closed"] as const;
export const LaneStatusSchema = z.enum(LANE_STATUSES);
export type LaneStatus = z.infer<typeof LaneStatusSchema>;

/** From each status, where a lane may go next. `closed` is final. */
const TRANSITIONS: Record<LaneStatus, readonly LaneStatus[]> = {
  planned: ["active", "blocked", "closed"],
  active: ["blocked", "review", "closed"],
  blocked: ["active", "closed"],
  review: ["active", "merged", "blocked", "closed"],
  merged: ["closed"],
  closed: [],
};

export function assertTransition(from: LaneStatus, to: LaneStatus): void {
  if (from === to || TRANSITIONS[from].includes(to)) return;
  const allowed = TRANSITIONS[from];
  throw badRequest(
    "status",
    `a ${from} lane cannot become ${to}; ${allowed.length ? `it can become ${allowed.join(", ")}` : "it is final"}`,
  );
}

export const LaneIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "expected 1-64 letters, digits, '.', '_' or '-'");

/** The fields upsert accepts; every one optional on update. */
export const LaneFieldsShape = {
  title: z.string().min(1).max(200).optional(),
  objective: z.string().max(8192).optional(),
  cwd: AbsolutePathSchema.optional().describe("Lanes without a repo: the directory runs work in."),
  repo: AbsolutePathSchema.optional().describe(
    "A git repository on the runner's machine (under one of its roots): the lane's runs work in a worktree of it.",
  ),
  base: GitRefSchema.optional().describe(
    "With repo: the branch or commit the lane starts from (default: the repo's current branch).",
  ),
  branch: GitRefSchema.optional().describe("The lane's branch (default with repo: switchyard/<lane_id>)."),
  commit_policy: CommitPolicySchema.optional().describe(
    "With repo: commit each run's changes (default) or leave them.",
  ),
  backend: z.string().max(64).optional().describe("Default backend of runs in this lane."),
  model: z.string().max(128).optional(),
  backend_config: BackendConfigSchema.optional().describe("Non-secret defaults; secrets are refused here."),
  test_command: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .describe("With repo: run in the worktree after each run."),
  test_timeout_s: z.number().int().min(1).max(MAX_TEST_TIMEOUT_S).optional(),
  runner_labels: RunnerLabelsSchema.optional().describe(
    "Labels the runner holding the lane must announce (besides lanes: true).",
  ),
  review: ReviewPolicySchema.optional(),
  depends_on: z.array(LaneIdSchema).max(32).optional(),
  status: LaneStatusSchema.optional(),
  notify: NotifyInputSchema.nullable()
    .optional()
    .describe("Default notify of the lane's runs (its secret kept apart, never shown); null removes it."),
};

export const LaneSchema = z.object({
  lane_id: z.string(),
  title: z.string(),
  objective: z.string(),
  cwd: z.string().nullable(),
  repo: z.string().nullable(),
  base: z.string().nullable(),
  branch: z.string().nullable(),
  commit_policy: CommitPolicySchema,
  test_timeout_s: z.number(),
  runner_labels: z.record(z.string(), z.string()),
  /** The runner that made the lane's worktree: every later run of the lane goes to it. */
  holder: z.string().nullable(),
  backend: z.string().nullable(),
  model: z.string().nullable(),
  backend_config: z.record(z.string(), z.unknown()),
  test_command: z.string().nullable(),
  review: ReviewPolicySchema.nullable(),
  depends_on: z.array(z.string()),
  status: LaneStatusSchema,
  /** Where the lane's runs send webhooks by default; its secret is in lane_notify_secrets. */
  notify: NotifyViewSchema.pick({ url: true, events: true }).nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Lane = z.infer<typeof LaneSchema>;

export class LaneTable {
  readonly #sql: SqlStorage;
  readonly #changed: (laneId: string) => void;

  /**
   * `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables;
   * `changed` hears of every lane written (the dashboard's feed).
   */
  constructor(sql: SqlStorage, changed: (laneId: string) => void = () => {}) {
    this.#sql = sql;
    this.#changed = changed;
  }

  get(laneId: string): Lane | undefined {
    const row = this.#sql.exec("SELECT doc FROM lanes WHERE lane_id = ?", laneId).toArray()[0] as
      { doc: string } | undefined;
    return row ? readLane(row.doc) : undefined;
  }

  put(lane: Lane): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO lanes (lane_id, doc, status, updated_at) VALUES (?, ?, ?, ?)",
      lane.lane_id,
      JSON.stringify(lane),
      lane.status,
      lane.updated_at,
    );
    this.#changed(lane.lane_id);
  }

  list(status: LaneStatus | undefined): Lane[] {
    const rows = (
      status
        ? this.#sql.exec("SELECT doc FROM lanes WHERE status = ? ORDER BY updated_at DESC", status)
        : this.#sql.exec("SELECT doc FROM lanes ORDER BY updated_at DESC")
    ).toArray() as { doc: string }[];
    return rows.map((r) => readLane(r.doc));
  }

  /** The secret of the lane's notify, kept apart from the lane; null when it has none. */
  notifySecret(laneId: string): string | null {
    const row = this.#sql
      .exec<{ secret: string }>("SELECT secret FROM lane_notify_secrets WHERE lane_id = ?", laneId)
      .toArray()[0];
    return row?.secret ?? null;
  }

  setNotifySecret(laneId: string, secret: string | null): void {
    if (secret === null) this.#sql.exec("DELETE FROM lane_notify_secrets WHERE lane_id = ?", laneId);
    else
      this.#sql.exec(
        "INSERT OR REPLACE INTO lane_notify_secrets (lane_id, secret) VALUES (?, ?)",
        laneId,
        secret,
      );
  }

  /** Lanes that name `laneId` in their depends_on. */
  dependantsOf(laneId: string): Lane[] {
    return this.list(undefined).filter((lane) => lane.depends_on.includes(laneId));
  }
}

/** The fields a lane gained with worktrees (and notify), as a lane stored before them reads. */
const WORKTREE_DEFAULTS = {
  repo: null,
  base: null,
  commit_policy: "commit",
  test_timeout_s: DEFAULT_TEST_TIMEOUT_S,
  runner_labels: {},
  holder: null,
  notify: null,
} satisfies Partial<Lane>;

const readLane = (doc: string): Lane => ({ ...WORKTREE_DEFAULTS, ...(JSON.parse(doc) as Lane) });

export type LaneInput = { lane_id: string } & {
  [K in keyof typeof LaneFieldsShape]?: z.output<(typeof LaneFieldsShape)[K]>;
};

/**
 * The lane after an upsert: a new lane from `input` (status planned unless given), or the
 * existing lane with the given fields replaced. Status changes must be allowed transitions.
 */
export function upsertLane(existing: Lane | undefined, input: LaneInput, now: string): Lane {
  if (existing && input.status) assertTransition(existing.status, input.status);
  if (input.depends_on?.includes(input.lane_id))
    throw badRequest("depends_on", "a lane cannot depend on itself");
  const base: Lane = existing ?? {
    lane_id: input.lane_id,
    title: input.title ?? input.lane_id,
    objective: "",
    cwd: null,
    ...WORKTREE_DEFAULTS,
    branch: null,
    backend: null,
    model: null,
    backend_config: {},
    test_command: null,
    review: null,
    depends_on: [],
    status: "planned",
    created_at: now,
    updated_at: now,
  };
  // The notify secret stays out of the lane (the tenant keeps it in lane_notify_secrets).
  const { notify, ...fields } = input;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const lane = { ...base, ...defined, updated_at: now } as Lane;
  if (notify !== undefined) lane.notify = notify && toNotifyTarget(notify);
  if (lane.repo !== null) {
    // A repo lane's runs work in its worktree, which the runner places; no other directory applies.
    if (lane.cwd !== null)
      throw badRequest(
        input.cwd !== undefined ? "cwd" : "repo",
        "a lane with a repo works in its own worktree; give repo or cwd, not both",
      );
    if (existing?.holder) {
      for (const field of ["repo", "branch"] as const) {
        if (lane[field] !== existing[field])
          throw badRequest(
            field,
            `lane "${lane.lane_id}" has its worktree on runner "${existing.holder}" already; its ${field} cannot change`,
          );
      }
    }
    lane.branch ??= defaultBranch(lane.lane_id);
    laneWorkspace(lane);
  }
  return lane;
}

/**
 * The lane once its latest worker run passed its test gate and review: `review`, ready to land.
 * Only a planned or active lane moves; a lane someone blocked, or one merged or closed, stays.
 */
export function readyToLand(lane: Lane, now: string): Lane | undefined {
  if (lane.status !== "planned" && lane.status !== "active") return undefined;
  return { ...lane, status: "review", updated_at: now };
}
