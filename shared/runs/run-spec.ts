// The run spec — what a run is asked to do — defined once: the schema the record keeps under `spec`
// and the dispatch frame carries, and each conversion between the shapes that hold it. A new
// optional run field is one line in GivenSpecShape. Imports neither node:* nor cloudflare:*.
import { z } from "zod";
import type { BackendRun } from "../backends/backend.ts";
import { boundedJson } from "../json-limits.ts";
import { LaneWorkspaceSchema } from "../lanes/lane-work.ts";
import { PROFILES } from "../profiles/index.ts";
import type { DispatchFrame } from "../protocol/frames.ts";
import { InputMessageSchema, toInputMessage, type InputMessage } from "./messages.ts";

/**
 * Spec fields a caller gives as they are: spawn_run takes them in this shape, the record keeps them,
 * the dispatch frame carries them and backends get them (camelCased, see BackendSpec). Their
 * bounds are the tool's and hold wherever a spec is parsed, the runner's dispatch frames included.
 */
export const GivenSpecShape = {
  profile_text: z
    .string()
    .min(1)
    .max(64 * 1024)
    .optional()
    .describe("Inline profile instructions."),
  /** A profile file the runner resolves on its machine, relative to cwd, into profile_text. */
  profile_path: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe("Runner backends: a profile file, relative to cwd."),
  output_schema: boundedJson(64 * 1024)
    .optional()
    .describe("JSON Schema the final output must satisfy."),
};

/** The run's spec minus secrets, as its backend needs it on start, continue and recovery. */
export const RunSpecSchema = z.object({
  /** The first message of the run (prompt and/or input_message). */
  message: InputMessageSchema,
  ...GivenSpecShape,
  /** Non-secret part of backend_config, already validated against the backend's schema. */
  config: z.record(z.string(), z.unknown()),
  /** A lane run's worktree: the runner works in it and records what the run changed there. */
  lane: LaneWorkspaceSchema.optional(),
  /** Handle of the session being resumed (`session_mode: resume`), from its latest run. */
  session_ref: z.record(z.string(), z.string()).optional(),
});
export type RunSpec = z.infer<typeof RunSpecSchema>;

/** A spec as a spawn asks for it: the session it resumes (and so session_ref) is the tenant's to settle. */
export type RequestedSpec = Omit<RunSpec, "session_ref">;

type GivenSpec = z.infer<z.ZodObject<typeof GivenSpecShape>>;
const GIVEN_KEYS = Object.keys(GivenSpecShape) as (keyof GivenSpec)[];
const SPEC_KEYS = Object.keys(RunSpecSchema.shape) as (keyof RunSpec)[];

/** What spawn_run (or a reviewer's spawn) asks for, after its input was validated. */
export type SpecArgs = GivenSpec & { prompt?: string; input_message?: InputMessage; profile?: string };

/** The spec of a new run: given fields as they are, a shipped profile's text, `config` already split. */
export function fromRequest(args: SpecArgs, config: Record<string, unknown>): RequestedSpec {
  return {
    ...pick(args, GIVEN_KEYS),
    ...(args.profile !== undefined ? { profile_text: PROFILES[args.profile] } : {}),
    message: toInputMessage(args.prompt, args.input_message),
    config,
  };
}

/** What a finished run hands on to the run that resumes its session (a RunRecord has it). */
export interface ContinuedRun {
  backend: string;
  role: string;
  cwd: string | null;
  session_id: string;
  metadata: Record<string, unknown>;
  timeout_s: number;
  spec: RunSpec;
}

/** What a run that resumes a finished run's session takes over from it (see forContinuation). */
export interface Continuation {
  backend: string;
  role: string;
  cwd?: string;
  session_mode: "resume";
  session_id: string;
  metadata: Record<string, unknown>;
  timeout_s: number;
  spec: RunSpec;
}

/**
 * The run that resumes a finished run's session (continue_run, a review's remediation): the same
 * backend, role, cwd, metadata, timeout and spec but for the message, the config when given anew,
 * and session_ref (the tenant settles it from the session's newest run).
 */
export function forContinuation(
  previous: ContinuedRun,
  message: InputMessage,
  config: Record<string, unknown> = previous.spec.config,
): Continuation {
  const { session_ref: _settledAnew, ...kept } = previous.spec;
  return {
    backend: previous.backend,
    role: previous.role,
    cwd: previous.cwd ?? undefined,
    session_mode: "resume",
    session_id: previous.session_id,
    metadata: previous.metadata,
    timeout_s: previous.timeout_s,
    spec: { ...kept, message, config },
  };
}

/** A spec field camelCased for backends: `profile_text` → `profileText`. */
type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S;
type CamelKeys<T> = { [K in keyof T as K extends string ? Camel<K> : never]: T[K] };
const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The spec as a backend gets it. profile_path is not in it: where the file is, it becomes profile_text. */
export type BackendSpec = CamelKeys<Omit<RunSpec, "profile_path">>;

/** The public fields of a run a backend run is built from (a RunRecord has them). */
export interface SpecHolder {
  run_id: string;
  cwd: string | null;
  metadata?: Record<string, unknown>;
  remote_ref: Record<string, string>;
  spec: RunSpec;
}

/** What the run's object keeps privately, never in its record or events. */
export interface RunPrivate {
  secrets: Record<string, unknown>;
  /** The backend's last checkpoint for this run or the session it resumes. */
  checkpoint?: unknown;
}

/** Spec and private state → what a backend drives. `ref` is the run's own, not a copy. */
export function toBackendRun(run: SpecHolder, state: RunPrivate): BackendRun {
  const { profile_path: _resolvedWhereTheFileIs, ...spec } = run.spec;
  return {
    ...(Object.fromEntries(Object.entries(spec).map(([k, v]) => [camel(k), v])) as BackendSpec),
    runId: run.run_id,
    cwd: run.cwd ?? undefined,
    metadata: run.metadata,
    secrets: state.secrets,
    ref: run.remote_ref,
    checkpoint: state.checkpoint,
  };
}

/** Spec and private state → the `run.dispatch` frame a runner executes it from. */
export function toDispatch(
  run: SpecHolder & { backend: string; relay_seq: number; role?: string },
  state: RunPrivate,
): Omit<DispatchFrame, "type"> {
  return {
    ...run.spec,
    // A lane run's commits name the role that made them.
    ...(run.spec.lane && run.role !== undefined ? { role: run.role } : {}),
    run_id: run.run_id,
    backend: run.backend,
    cwd: run.cwd ?? undefined,
    secrets: state.secrets,
    ref: run.remote_ref,
    checkpoint: state.checkpoint,
    acked_seq: run.relay_seq,
  };
}

/**
 * A dispatch → what the runner's agent drives, once the runner has placed the run: `cwd` checked
 * within its roots, `profile_text` as given or read from profile_path. `ref` is copied: the agent's
 * ref outputs update it.
 */
export function fromDispatch(
  frame: DispatchFrame,
  placed: { cwd: string; profile_text?: string },
): BackendRun {
  const spec = { ...pick(frame, SPEC_KEYS), profile_text: placed.profile_text } as RunSpec;
  return toBackendRun(
    { run_id: frame.run_id, cwd: placed.cwd, remote_ref: { ...frame.ref }, spec },
    { secrets: frame.secrets, checkpoint: frame.checkpoint },
  );
}

/** The entries of `from` named in `keys` that are set. */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]])) as Partial<
    Pick<T, K>
  >;
}
