// The review loop: when a worker run with a review policy completes, a reviewer run is
// spawned with the findings schema; its verdict lands on the worker (and the lane); a `fail` with
// cycles left continues the worker's session with the findings, and the result is reviewed again.
import type { RunRpc } from "../objects/stubs.ts";
import { PROFILES } from "../../shared/profiles/index.ts";
import { parseBackendConfig, resolveBackend } from "../backends/registry.ts";
import { toInputMessage } from "../../shared/runs/messages.ts";
import type { RunRecord } from "../runs/run-record.ts";
import { forContinuation, fromRequest } from "../../shared/runs/run-spec.ts";
import { fingerprintOf, type SpawnRequest } from "../runs/spawn.ts";
import type { RunStatus } from "../../shared/runs/status.ts";
import {
  REVIEW_OUTPUT_JSON_SCHEMA,
  ReviewOutputSchema,
  remediationPrompt,
  reviewPrompt,
  type ReviewPolicy,
} from "./review-policy.ts";
import type { ReviewRecord, ReviewTable } from "./review-table.ts";

/**
 * Secrets a worker keeps past its end for its review loop (see RunObject carry): a completed run
 * keeps them until its reviewer (or remediation) takes them; any other ending drops them at once.
 */
export interface ReviewCarry {
  worker_secrets?: Record<string, unknown>;
  review_secrets?: Record<string, unknown>;
}

export interface ReviewLoopDeps {
  reviews: ReviewTable;
  run(runId: string): Promise<RunRpc>;
  spawn(
    req: SpawnRequest,
    secrets: { secrets: Record<string, unknown>; carry?: Record<string, unknown> },
  ): Promise<RunRecord>;
}

export class ReviewLoop {
  readonly #d: ReviewLoopDeps;

  constructor(deps: ReviewLoopDeps) {
    this.#d = deps;
  }

  async onRunEnded(runId: string, status: RunStatus, laneId: string | null): Promise<void> {
    const asWorker = this.#d.reviews.policyOf(runId);
    if (asWorker && status === "completed" && !asWorker.reviewer_run_id)
      await this.#startReview(runId, asWorker.policy, asWorker.cycle, laneId);
    const asReviewer = this.#d.reviews.workerOf(runId);
    if (asReviewer) await this.#finishReview(runId, status, asReviewer, laneId);
  }

  async #startReview(
    workerRunId: string,
    policy: ReviewPolicy,
    cycle: number,
    laneId: string | null,
  ): Promise<void> {
    // Claimed first: a repeated report of the same completion must not start a second reviewer.
    if (!this.#d.reviews.claim(workerRunId, "starting")) return;
    const workerStub = await this.#d.run(workerRunId);
    const worker = (await workerStub.getRecord())!;
    const carry = ((await workerStub.takeCarry()) ?? {}) as ReviewCarry;
    const backend = resolveBackend(policy.backend);
    const { config } = parseBackendConfig(backend, policy.backend_config ?? {});
    const prompt = reviewPrompt({
      run_id: worker.run_id,
      cwd: worker.cwd,
      final_response: worker.result.final_response,
      files_changed: worker.result.files_changed ?? [],
      cycle,
      test_command:
        typeof worker.metadata.test_command === "string" ? worker.metadata.test_command : undefined,
    });
    const reviewer = await this.#d.spawn(
      {
        backend: backend.name,
        role: "reviewer",
        spec: fromRequest(
          {
            prompt,
            profile_text: PROFILES[policy.profile] ?? PROFILES["reviewer-remediator"],
            output_schema: REVIEW_OUTPUT_JSON_SCHEMA,
          },
          config,
        ),
        cwd: worker.cwd ?? undefined,
        session_mode: "new",
        metadata: { review_of: worker.run_id, review_cycle: cycle },
        parent_run_id: worker.run_id,
        lane_id: laneId ?? undefined,
        fingerprint: await fingerprintOf({ review_of: worker.run_id, cycle }),
        timeout_s: worker.timeout_s,
      },
      // The reviewer holds the worker's secrets for a possible remediation cycle.
      { secrets: carry.review_secrets ?? {}, carry: { ...carry } },
    );
    this.#d.reviews.setReviewer(workerRunId, reviewer.run_id);
  }

  async #finishReview(
    reviewerRunId: string,
    status: RunStatus,
    worker: { run_id: string; policy: ReviewPolicy; cycle: number },
    laneId: string | null,
  ): Promise<void> {
    const reviewerStub = await this.#d.run(reviewerRunId);
    const reviewer = (await reviewerStub.getRecord())!;
    const parsed = ReviewOutputSchema.safeParse(reviewer.result.structured_output);
    const review: ReviewRecord = {
      reviewer_run_id: reviewerRunId,
      worker_run_id: worker.run_id,
      lane_id: laneId,
      cycle: worker.cycle,
      verdict: status === "completed" && parsed.success ? parsed.data.verdict : null,
      summary: parsed.success
        ? parsed.data.summary
        : `reviewer ended ${status} without a verdict matching the findings schema`,
      findings: parsed.success ? parsed.data.findings : [],
      created_at: reviewer.completed_at ?? reviewer.updated_at,
    };
    // Taken before anything can return early: whatever happens next, the reviewer keeps none.
    const carry = ((await reviewerStub.takeCarry()) ?? {}) as ReviewCarry;
    if (!this.#d.reviews.record(review)) return;
    const workerStub = await this.#d.run(worker.run_id);
    await workerStub.setReview(review);
    if (review.verdict !== "fail" || worker.cycle >= worker.policy.max_cycles || !parsed.success) return;

    const previous = (await workerStub.getRecord())!;
    const resumed = forContinuation(previous, toInputMessage(remediationPrompt(parsed.data), undefined));
    await this.#d.spawn(
      {
        ...resumed,
        metadata: { ...resumed.metadata, remediates: worker.run_id },
        parent_run_id: worker.run_id,
        lane_id: laneId ?? undefined,
        review: worker.policy,
        review_cycle: worker.cycle + 1,
        fingerprint: await fingerprintOf({ remediates: worker.run_id, cycle: worker.cycle + 1 }),
      },
      { secrets: carry.worker_secrets ?? {}, carry: { ...carry } },
    );
  }
}
