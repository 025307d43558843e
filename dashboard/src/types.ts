// What the dashboard reads of the tools' answers: the fields it shows, typed from shared/ where
// those are defined. The Worker's schemas (worker/mcp/tools/*) are the full answers.
import type { RunEvent } from "../../shared/runs/events.ts";
import type { RunStatus, TerminalStatus } from "../../shared/runs/run-statuses.ts";
import type { LaneStatus } from "../../shared/lanes/lane-status.ts";
import type { ApprovalRequest } from "../../shared/runs/approvals.ts";
import type { RunChanges, TestResult } from "../../shared/lanes/lane-work.ts";
import type { TokenField } from "../../shared/runs/usage-fields.ts";

export type { RunEvent };

export interface RunRow {
  run_id: string;
  created_at: string;
  updated_at: string;
  status: RunStatus;
  backend: string;
  role: string;
  agent_name: string;
  parent_run_id: string | null;
  lane_id: string | null;
  summary: string;
  last_seq: number;
}

export type UsageTotals = Record<TokenField, number> & {
  cost_usd?: number;
  unpriced_tokens: number;
  turns: number;
  model?: string;
};

export interface ArtifactView {
  artifact_id: string;
  name?: string;
  text?: string;
  text_ref?: unknown;
  parts: Record<string, unknown>[];
  chunks: number;
}

export interface Finding {
  severity: string;
  category: string;
  file_path: string;
  line_start: number;
  line_end: number;
  description: string;
  fix: string;
}

export interface RunView extends RunRow {
  status_reason: string | null;
  started_at: string | null;
  completed_at: string | null;
  placement: string;
  runner: string | null;
  error: { code: string; message: string } | null;
  child_run_ids: string[];
  terminal: boolean;
  pending_approval: ApprovalRequest | null;
  changes: RunChanges | null;
  tests: TestResult | null;
  review: {
    reviewer_run_id: string;
    cycle: number;
    verdict: string | null;
    summary: string;
    findings: Finding[];
  } | null;
  result: {
    final_response: string | null;
    final_response_ref?: { seq: number; field_path: string };
    structured_output?: unknown;
    structured_output_validation?: { valid: boolean; errors?: string[] };
    artifacts: ArtifactView[];
    artifacts_omitted?: number;
    files_changed: string[];
    usage: UsageTotals | null;
  };
}

export interface Lane {
  lane_id: string;
  title: string;
  objective: string;
  status: LaneStatus;
  repo: string | null;
  branch: string | null;
  holder: string | null;
  backend: string | null;
  updated_at: string;
}

export interface LaneActivity {
  lane: Lane;
  queue: { item_id: string; position: number; state: string; prompt: string; run_id: string | null }[];
  current_run_id: string | null;
  waiting_reason: string | null;
  reviews: {
    reviewer_run_id: string;
    worker_run_id: string;
    cycle: number;
    verdict: string | null;
    summary: string;
  }[];
  open_findings: Finding[];
}

export interface MetricsGroup {
  key: string | null;
  runs: number;
  outcomes: Record<TerminalStatus | "live", number>;
  success_rate: number | null;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  cost_usd: number;
  unpriced_tokens: number;
  usage_unreported_runs: number;
  duration_ms: { p50: number | null; p95: number | null };
}

export interface BackendInfo {
  backend: string;
  runs_at: string;
  availability_state: string;
  detail: string;
  capabilities: Record<string, boolean>;
  runners: {
    runner: string;
    installed: boolean;
    version?: string;
    credentials: string;
    free_slots: number;
    labels: Record<string, string>;
  }[];
}

export interface ArtifactPage {
  text: string;
  next_offset: number;
  total_bytes: number;
  has_more: boolean;
  mime: string;
}
