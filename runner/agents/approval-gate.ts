// Where a run's agent waits for the caller: a permission request is relayed as an input_required
// event with `data.approval`, answered by a `run.approval` frame, or denied at the run's timeout.
// One request of a run is out at a time, so "the request the run waits on" is always one.
import { randomUUID } from "node:crypto";
import { emit, type BackendOutput } from "../../shared/backends/backend.ts";
import type { ApprovalAnswer, ApprovalRequest, ApprovalResolution } from "../../shared/runs/approvals.ts";

/** What the agent is told: allowed, or denied with the text the model reads. */
export type ApprovalDecision = { approve: true } | { approve: false; message: string };

export interface ApprovalGate {
  /** Relays a request and resolves with the caller's decision; denied at the timeout or when `signal` aborts. */
  ask(request: Omit<ApprovalRequest, "request_id">, signal: AbortSignal): Promise<ApprovalDecision>;
  /** The caller's answer to `requestId`; false when no such request is waiting (answered, timed out). */
  answer(requestId: string, answer: ApprovalAnswer): boolean;
}

export interface ApprovalGateOptions {
  /** Sends one output of the run (numbered and queued like the agent's own). */
  relay: (output: BackendOutput) => Promise<void>;
  timeoutMs: number;
  newId?: () => string;
}

interface Settled {
  answer: ApprovalAnswer;
  by: ApprovalResolution;
}

export function createApprovalGate(options: ApprovalGateOptions): ApprovalGate {
  const { relay, timeoutMs, newId = randomUUID } = options;
  const waiting = new Map<string, (answer: ApprovalAnswer) => void>();
  let previous: Promise<unknown> = Promise.resolve();

  async function relayOne(
    request: Omit<ApprovalRequest, "request_id">,
    signal: AbortSignal,
  ): Promise<ApprovalDecision> {
    if (signal.aborted) return { approve: false, message: "the turn ended before the caller was asked" };
    const requestId = newId();
    const settled = new Promise<Settled>((resolve) => {
      const finish = (answer: ApprovalAnswer, by: ApprovalResolution) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        waiting.delete(requestId);
        resolve({ answer, by });
      };
      const timer = setTimeout(
        () => finish({ approve: false, reason: `no answer within ${timeoutMs / 1000} s` }, "timeout"),
        timeoutMs,
      );
      const onAbort = () => finish({ approve: false, reason: "the turn ended" }, "withdrawn");
      signal.addEventListener("abort", onAbort, { once: true });
      waiting.set(requestId, (answer) => finish(answer, "caller"));
    });
    await relay(
      emit("input_required", {
        message: `approval needed: ${request.tool}${subject(request)}`,
        approval: { request_id: requestId, ...request },
      }),
    );
    const { answer, by } = await settled;
    if (by !== "withdrawn") {
      await relay(
        emit("approval_resolved", {
          request_id: requestId,
          approve: answer.approve,
          by,
          ...(answer.reason === undefined ? {} : { reason: answer.reason }),
        }),
      );
    }
    if (answer.approve) return { approve: true };
    const who = by === "caller" ? "the caller denied it" : "denied";
    return { approve: false, message: answer.reason ? `${who}: ${answer.reason}` : who };
  }

  return {
    ask(request, signal) {
      const turn = previous.then(() => relayOne(request, signal));
      previous = turn.catch(() => undefined);
      return turn;
    },
    answer(requestId, answer) {
      const resolve = waiting.get(requestId);
      resolve?.(answer);
      return resolve !== undefined;
    },
  };
}

/** The command or file a request is about, for the event's one-line message. */
function subject(request: Omit<ApprovalRequest, "request_id">): string {
  const what = request.command ?? request.file;
  return what === undefined ? "" : ` ${what}`;
}
