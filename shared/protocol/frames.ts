// The runner link's wire frames, defined once and imported by the Worker and the runner alike.
// Imports neither node:* nor cloudflare:*. Tags are dotted; every frame is one JSON text message.
import { z } from "zod";
import {
  LandResultSchema,
  LandStrategySchema,
  LaneWorkspaceSchema,
  ReclaimResultSchema,
} from "../lanes/lane-work.ts";
import { ApprovalAnswerSchema } from "../runs/approvals.ts";
import { NewEventSchema } from "../runs/events.ts";
import { InputMessageSchema } from "../runs/messages.ts";
import { RunSpecSchema } from "../runs/run-spec.ts";
import { NormalizedPathSchema } from "./paths.ts";

/** Bumped when a frame changes incompatibly; the Worker closes links of another version. */
export const PROTOCOL_VERSION = 3;

/**
 * The handshake header naming the runner (URI-encoded): the Worker routes the link to that
 * runner's own object before any frame is read, and refuses a hello naming another runner.
 */
export const RUNNER_NAME_HEADER = "x-switchyard-runner";

const RunId = z.string().min(1).max(64);
const StringMap = z.record(z.string(), z.string());

/** A backend as probed on the runner's machine (see runner/probe.ts). */
export const ProbedBackendSchema = z.object({
  backend: z.string(),
  installed: z.boolean(),
  version: z.string().optional(),
  credentials: z.enum(["configured", "missing", "unknown"]).default("unknown"),
  detail: z.string().optional(),
});
export type ProbedBackend = z.infer<typeof ProbedBackendSchema>;

/** What a backend produced, as the runner relays it (the same shape as an edge BackendOutput). */
export const RelayedOutputSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("event"), event: NewEventSchema }),
  z.object({ kind: z.literal("ref"), ref: StringMap }),
  /** The backend's private progress (e.g. a conversation), handed back on continue and resume. */
  z.object({ kind: z.literal("checkpoint"), state: z.unknown() }),
]);

// ── runner → Worker ────────────────────────────────────────────────────────────────────────
export const HelloFrameSchema = z.object({
  type: z.literal("runner.hello"),
  protocol: z.number().int(),
  name: z.string().min(1).max(128),
  version: z.string().max(64),
  labels: StringMap.default({}),
  max_runs: z.number().int().min(1).max(256),
  backends: z.array(ProbedBackendSchema),
  /**
   * Directories runs may work in, absolute (as configured and as real paths): the Worker offers a
   * run only to a runner with a root containing its cwd. Stored normalised.
   */
  roots: z.array(NormalizedPathSchema).min(1).max(64),
  /** Random per runner process: its reconnects take the name back from its own dead link at once. */
  instance: z.string().min(1).max(64),
  /** Take the name even from a live connection (`connect --replace`). */
  replace: z.boolean().default(false),
  /** Runs this runner still holds (after a reconnect), with what the Worker acknowledged last. */
  active_runs: z.array(RunId).default([]),
});

/** What a hello of every protocol version carries: one of another version may not parse as this one. */
export const HelloVersionSchema = z.object({ type: z.literal("runner.hello"), protocol: z.number() });

/** Outputs of one run, each with the run's own contiguous source sequence (1, 2, …). */
const RunOutputsSchema = z.object({
  run_id: RunId,
  items: z
    .array(z.object({ source_seq: z.number().int().positive(), output: RelayedOutputSchema }))
    .min(1)
    .max(1000),
});
export type RunOutputs = z.infer<typeof RunOutputsSchema>;

export const RunOutputsFrameSchema = RunOutputsSchema.extend({ type: z.literal("run.outputs") });

/** Outputs of many runs in one frame: the runner coalesces what all its runs produced. */
export const RunsOutputsFrameSchema = z.object({
  type: z.literal("runs.outputs"),
  runs: z.array(RunOutputsSchema).min(1).max(256),
});

/** Each run's share of an outputs frame of either kind. */
export const outputsOf = (
  frame: z.infer<typeof RunOutputsFrameSchema> | z.infer<typeof RunsOutputsFrameSchema>,
): RunOutputs[] => (frame.type === "run.outputs" ? [frame] : frame.runs);

/** The runner will not execute a dispatched run (cwd outside its roots, backend missing …). */
export const RunRefusedFrameSchema = z.object({
  type: z.literal("run.refused"),
  run_id: RunId,
  code: z.enum(["cwd_outside_roots", "backend_unavailable", "no_free_slot", "bad_request"]),
  reason: z.string().max(2000),
});

/**
 * Heartbeats are these exact texts: the Worker answers them with an automatic response, so an
 * idle runner never wakes the hibernated object (and the object can read when it last answered).
 */
export const PING_TEXT = '{"type":"ping"}';
export const PONG_TEXT = '{"type":"pong"}';

export const PingFrameSchema = z.object({ type: z.literal("ping") });

const RequestId = z.string().min(1).max(64);

/** The answer to a `lane.land` or `lane.reclaim` request, by its request id. */
export const LaneReplyFrameSchema = z.object({
  type: z.literal("lane.reply"),
  request_id: RequestId,
  result: z.union([LandResultSchema, ReclaimResultSchema]),
});

export const RunnerFrameSchema = z.discriminatedUnion("type", [
  HelloFrameSchema,
  RunOutputsFrameSchema,
  RunsOutputsFrameSchema,
  RunRefusedFrameSchema,
  LaneReplyFrameSchema,
  PingFrameSchema,
]);
export type RunnerFrame = z.infer<typeof RunnerFrameSchema>;

// ── Worker → runner ────────────────────────────────────────────────────────────────────────
export const WelcomeFrameSchema = z.object({
  type: z.literal("runner.welcome"),
  tenant: z.string(),
  /** How often the runner should ping (ms); the Worker drops links silent for 3× this long. */
  heartbeat_ms: z.number().int().positive(),
});

/**
 * Everything the runner needs to execute a run: its spec (runs/run-spec.ts) and what the Worker
 * keeps apart from the record. Secrets travel only here and stay in the runner's memory.
 */
export const DispatchFrameSchema = RunSpecSchema.extend({
  type: z.literal("run.dispatch"),
  run_id: RunId,
  backend: z.string(),
  cwd: z.string().optional(),
  /** A lane run's role (worker, reviewer …): the runner's commit message names it. */
  role: z.string().max(128).optional(),
  secrets: z.record(z.string(), z.unknown()),
  ref: StringMap,
  /** The backend's last checkpoint for this run or the session it resumes. */
  checkpoint: z.unknown().optional(),
  /** The last source_seq the Worker already has for this run (0 for a new run). */
  acked_seq: z.number().int().min(0),
});

export const ContinueFrameSchema = z.object({
  type: z.literal("run.continue"),
  run_id: RunId,
  message: InputMessageSchema,
});
/** The caller's answer to the approval request `request_id` the run's agent is waiting on. */
export const ApprovalFrameSchema = z.object({
  ...ApprovalAnswerSchema.shape,
  type: z.literal("run.approval"),
  run_id: RunId,
  request_id: ApprovalAnswerSchema.shape.request_id.unwrap(),
});
export const CancelFrameSchema = z.object({ type: z.literal("run.cancel"), run_id: RunId });
/** Everything up to and including `source_seq` is stored; the runner may forget it. */
export const AckFrameSchema = z.object({
  type: z.literal("run.ack"),
  run_id: RunId,
  source_seq: z.number().int().min(0),
});
/** The acknowledgements of one `runs.outputs` frame, a run each, in one frame. */
export const RunsAckFrameSchema = z.object({
  type: z.literal("runs.ack"),
  acks: z
    .array(AckFrameSchema.omit({ type: true }))
    .min(1)
    .max(256),
});
export const PongFrameSchema = z.object({ type: z.literal("pong") });

/** Merge a lane's branch into its base on the runner holding the repository; answered by `lane.reply`. */
export const LandFrameSchema = z.object({
  type: z.literal("lane.land"),
  request_id: RequestId,
  lane: LaneWorkspaceSchema,
  strategy: LandStrategySchema,
  /** Remove the lane's worktree after a clean merge (the lane is being closed). */
  remove_worktree: z.boolean(),
});
/** Remove a lane's worktree and branch (closed without landing); answered by `lane.reply`. */
export const ReclaimFrameSchema = z.object({
  type: z.literal("lane.reclaim"),
  request_id: RequestId,
  lane: LaneWorkspaceSchema,
});

export const WorkerFrameSchema = z.discriminatedUnion("type", [
  WelcomeFrameSchema,
  DispatchFrameSchema,
  ContinueFrameSchema,
  ApprovalFrameSchema,
  CancelFrameSchema,
  AckFrameSchema,
  RunsAckFrameSchema,
  LandFrameSchema,
  ReclaimFrameSchema,
  PongFrameSchema,
]);
export type WorkerFrame = z.infer<typeof WorkerFrameSchema>;
export type DispatchFrame = z.infer<typeof DispatchFrameSchema>;
export type ApprovalFrame = z.infer<typeof ApprovalFrameSchema>;

/** WebSocket close codes of the link, and whether the runner should dial again after each. */
export const CLOSE_CODES = {
  /** Token refused: retrying cannot help. */
  unauthorized: { code: 4401, retry: false },
  /** The runner speaks another protocol version: upgrade the runner. */
  protocol_mismatch: { code: 4426, retry: false },
  /** Another connection took this runner's name (it connected with --replace). */
  replaced: { code: 4409, retry: false },
  /** The name is held by another live connection, and this runner did not ask to replace it. */
  name_in_use: { code: 4423, retry: false },
  /** The hello names another runner than the handshake did. */
  wrong_name: { code: 4403, retry: false },
  /** Silent past the heartbeat deadline, or a malformed frame: reconnect. */
  stale: { code: 4408, retry: true },
  bad_frame: { code: 4400, retry: true },
} as const;
