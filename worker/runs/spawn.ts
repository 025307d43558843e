// What the tenant needs to create a run, after the MCP layer validated the call, and the initial
// record built from it. Pure: the tenant object decides names and sessions, this only assembles.
import type { Budget } from "../budgets/limits.ts";
import type { NotifyTarget } from "../notify/notify-config.ts";
import type { ReviewPolicy } from "../reviews/review-policy.ts";
import { emptyUsage, type RunRecord } from "./run-record.ts";
import type { RequestedSpec } from "../../shared/runs/run-spec.ts";

export interface SpawnRequest {
  backend: string;
  role: string;
  /** The run's spec; its secrets travel separately and only to the run's object. */
  spec: RequestedSpec;
  cwd?: string;
  session_mode: "new" | "resume";
  session_id?: string;
  agent_name?: string;
  metadata: Record<string, unknown>;
  parent_run_id?: string;
  lane_id?: string;
  /** Review dispatch for this run (public part; its secrets travel in the run's carry). */
  review?: ReviewPolicy;
  /** Which review cycle this run is (1 for a first attempt). */
  review_cycle?: number;
  budget?: Budget;
  /** Set when a run-scoped caller spawns: every run the spawn touches must lie in this run's tree. */
  scope_run_id?: string;
  idempotency_key?: string;
  /** Stable digest of the call, so a reused idempotency_key with other arguments is refused. */
  fingerprint: string;
  timeout_s: number;
  /** Where the run's webhooks go (public part; the secret travels in SpawnSecrets.notify_secret). */
  notify?: NotifyTarget;
}

export interface RunIdentity {
  tenant: string;
  run_id: string;
  session_id: string;
  agent_name: string;
  session_ref?: Record<string, string>;
  placement: "edge" | "runner";
  now: string;
}

export function newRunRecord(req: SpawnRequest, id: RunIdentity): RunRecord {
  return {
    run_id: id.run_id,
    tenant: id.tenant,
    backend: req.backend,
    placement: id.placement,
    runner: null,
    role: req.role,
    status: "queued",
    status_reason: null,
    created_at: id.now,
    started_at: null,
    updated_at: id.now,
    completed_at: null,
    last_seq: 0,
    summary: "",
    result: { final_response: null, artifacts: [], files_changed: [], usage: emptyUsage() },
    error: null,
    session_id: id.session_id,
    agent_name: id.agent_name,
    parent_run_id: req.parent_run_id ?? null,
    child_run_ids: [],
    remote_ref: {},
    cwd: req.cwd ?? null,
    metadata: req.metadata,
    timeout_s: req.timeout_s,
    relay_seq: 0,
    lane_id: req.lane_id ?? null,
    review: null,
    spec: { ...req.spec, session_ref: id.session_ref },
    changes: null,
    tests: null,
    notify: req.notify ? { ...req.notify, deliveries: { pending: 0, delivered: 0, given_up: 0 } } : null,
  };
}

/**
 * A stable digest of a JSON value (keys sorted), for idempotency fingerprints. Keys are sorted by
 * a stringify replacer, not by a recursive copy: the value was bounded at the boundary
 * (mcp/json-limits.ts), and this adds no JavaScript recursion of its own.
 */
export async function fingerprintOf(value: unknown): Promise<string> {
  const sorted = (_key: string, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v;
  const bytes = new TextEncoder().encode(JSON.stringify(value, sorted));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
