// Which relayed approval request a run waits on, and whether a continue_run may go ahead: an answer
// must meet a waiting request, and a follow-up message may not slip past one.
import { SwitchyardError } from "../../shared/errors.ts";
import type { ApprovalAnswer, ApprovalRequest } from "../../shared/runs/approvals.ts";
import type { RunRecord } from "./run-record.ts";

/** The request the run's agent waits on now, if any. */
export const pendingApproval = (run: RunRecord): ApprovalRequest | undefined =>
  (run.status === "input_required" && run.pending_approval) || undefined;

/** The waiting request `answer` answers, or a conflict naming the field that is wrong. */
export function requestAnswered(run: RunRecord, answer: ApprovalAnswer): ApprovalRequest {
  const pending = pendingApproval(run);
  if (!pending) {
    throw new SwitchyardError("conflict", `approval: run is ${run.status} and waits on no approval request`, {
      field: "approval",
    });
  }
  if (answer.request_id !== undefined && answer.request_id !== pending.request_id) {
    throw new SwitchyardError(
      "conflict",
      `approval.request_id: the run waits on request "${pending.request_id}", not "${answer.request_id}"`,
      { field: "approval.request_id" },
    );
  }
  return pending;
}

/** A live follow-up message would not reach an agent waiting on a permission: it must be answered. */
export function assertNoApprovalWaiting(run: RunRecord): void {
  const pending = pendingApproval(run);
  if (!pending) return;
  throw new SwitchyardError(
    "conflict",
    `approval: the run waits on approval request "${pending.request_id}" (${pending.tool}); answer it with approval`,
    { field: "approval" },
  );
}
