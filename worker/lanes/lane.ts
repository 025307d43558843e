// Lanes: a named stream of work inside a task — one worktree and branch — with defaults
// that runs dispatched into it inherit, a status with only sensible transitions, and dependencies.
import { z } from "zod";
import { badRequest } from "../../shared/errors.ts";
import { AbsolutePathSchema, BackendConfigSchema } from "../mcp/fields.ts";
import { ReviewPolicySchema } from "../reviews/review-policy.ts";

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
  cwd: AbsolutePathSchema.optional().describe("The lane's worktree."),
  branch: z.string().max(256).optional(),
  backend: z.string().max(64).optional().describe("Default backend of runs in this lane."),
  model: z.string().max(128).optional(),
  backend_config: BackendConfigSchema.optional().describe("Non-secret defaults; secrets are refused here."),
  test_command: z.string().max(2048).optional(),
  review: ReviewPolicySchema.optional(),
  depends_on: z.array(LaneIdSchema).max(32).optional(),
  status: LaneStatusSchema.optional(),
};

export const LaneSchema = z.object({
  lane_id: z.string(),
  title: z.string(),
  objective: z.string(),
  cwd: z.string().nullable(),
  branch: z.string().nullable(),
  backend: z.string().nullable(),
  model: z.string().nullable(),
  backend_config: z.record(z.string(), z.unknown()),
  test_command: z.string().nullable(),
  review: ReviewPolicySchema.nullable(),
  depends_on: z.array(z.string()),
  status: LaneStatusSchema,
  created_at: z.string(),
  updated_at: z.string(),
});
export type Lane = z.infer<typeof LaneSchema>;

export class LaneTable {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage (storage/tenant-storage.ts), which makes and migrates the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  get(laneId: string): Lane | undefined {
    const row = this.#sql.exec("SELECT doc FROM lanes WHERE lane_id = ?", laneId).toArray()[0] as
      { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as Lane) : undefined;
  }

  put(lane: Lane): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO lanes (lane_id, doc, status, updated_at) VALUES (?, ?, ?, ?)",
      lane.lane_id,
      JSON.stringify(lane),
      lane.status,
      lane.updated_at,
    );
  }

  list(status: LaneStatus | undefined): Lane[] {
    const rows = (
      status
        ? this.#sql.exec("SELECT doc FROM lanes WHERE status = ? ORDER BY updated_at DESC", status)
        : this.#sql.exec("SELECT doc FROM lanes ORDER BY updated_at DESC")
    ).toArray() as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as Lane);
  }
}

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
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return { ...base, ...defined, updated_at: now } as Lane;
}

/**
 * The lane once its latest worker run passed its test gate and review: `review`, ready to land.
 * Only a planned or active lane moves; a lane someone blocked, or one merged or closed, stays.
 */
export function readyToLand(lane: Lane, now: string): Lane | undefined {
  if (lane.status !== "planned" && lane.status !== "active") return undefined;
  return { ...lane, status: "review", updated_at: now };
}
