// The review loop: when a worker run with a review policy completes, a failing test gate with cycles
// left continues the worker's session with the failing output; otherwise a reviewer run is spawned
// with the findings schema, the diff and the test result. Its verdict lands on the worker (and the
// lane); a `fail` with cycles left continues the worker's session with the findings, and the result
// is tested and reviewed again. A lane whose latest worker passed both is ready to land.
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
import { gatherEvidence, testRemediationPrompt, type LaneEvidence } from "./review-evidence.ts";
import type { LaneCycle, LaneCycleTable } from "./lane-cycles.ts";

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
  cycles: LaneCycleTable;
  /** The lane's latest worker run passed its test gate and review: the lane may move to `review`. */
  laneReady(laneId: string, workerRunId: string): Promise<void>;
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
    const asReviewer = this.#d.reviews.workerOf(runId);
    if (asReviewer) return this.#finishReview(runId, status, asReviewer, laneId);
    const asWorker = this.#d.reviews.policyOf(runId);
    if (status !== "completed" || (!asWorker && !laneId)) return;
    const stub = await this.#d.run(runId);
    const worker = (await stub.getRecord())!;
    if (worker.role === "reviewer") return;
    const evidence = await gatherEvidence(stub, worker);
    const testsPassed = evidence.tests ? evidence.tests.passed : null;
    const cycle = (next: LaneCycle["next"], nextRunId: string | null = null) =>
      laneId &&
      this.#d.cycles.note(laneId, {
        worker_run_id: runId,
        cycle: asWorker?.cycle ?? 1,
        tests_passed: testsPassed,
        verdict: null,
        next,
        next_run_id: nextRunId,
        updated_at: worker.completed_at ?? worker.updated_at,
      });
    if (!asWorker) {
      cycle(testsPassed === false ? "stopped" : "ready");
      if (laneId && testsPassed !== false) await this.#d.laneReady(laneId, runId);
      return;
    }
    if (asWorker.reviewer_run_id) return; // a repeated report: this cycle is under way already
    if (testsPassed === false) {
      // Nothing to review yet: the worker fixes its tests first, while it has cycles left.
      if (asWorker.cycle >= asWorker.policy.max_cycles) {
        this.#d.reviews.claim(runId, "stopped");
        // No reviewer and no remediation: nothing needs the carry any more.
        await stub.takeCarry(false);
        cycle("stopped");
        return;
      }
      if (!this.#d.reviews.claim(runId, "remediating")) return;
      const carry = ((await stub.takeCarry(false)) ?? {}) as ReviewCarry;
      const next = await this.#remediate(
        worker,
        testRemediationPrompt(evidence),
        { ...asWorker, run_id: runId },
        laneId,
        carry,
      );
      cycle("remediation", next.run_id);
      return;
    }
    const reviewer = await this.#startReview(worker, stub, asWorker.policy, asWorker.cycle, laneId, evidence);
    if (reviewer) cycle("review", reviewer);
  }

  /** Spawns the reviewer of a completed worker; its run id, or null when one was started already. */
  async #startReview(
    worker: RunRecord,
    workerStub: RunRpc,
    policy: ReviewPolicy,
    cycle: number,
    laneId: string | null,
    evidence: LaneEvidence,
  ): Promise<string | null> {
    // Claimed first: a repeated report of the same completion must not start a second reviewer.
    if (!this.#d.reviews.claim(worker.run_id, "starting")) return null;
    const carry = ((await workerStub.takeCarry(true)) ?? {}) as ReviewCarry;
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
      evidence,
    });
    const reviewer = await this.#spawnReviewer(
      workerStub,
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
    this.#d.reviews.setReviewer(worker.run_id, reviewer.run_id);
    return reviewer.run_id;
  }

  /** Spawns a reviewer; when that is refused, the worker is told no verdict will come. */
  async #spawnReviewer(workerStub: RunRpc, ...args: Parameters<ReviewLoopDeps["spawn"]>): Promise<RunRecord> {
    try {
      return await this.#d.spawn(...args);
    } catch (e) {
      await workerStub.takeCarry(false);
      throw e;
    }
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
    const carry = ((await reviewerStub.takeCarry(false)) ?? {}) as ReviewCarry;
    if (!this.#d.reviews.record(review)) return;
    const workerStub = await this.#d.run(worker.run_id);
    await workerStub.setReview(review);
    const previous = (await workerStub.getRecord())!;
    const passed = review.verdict === "pass" || review.verdict === "pass_with_findings";
    const remediate = review.verdict === "fail" && worker.cycle < worker.policy.max_cycles && parsed.success;
    const next = remediate
      ? await this.#remediate(previous, remediationPrompt(parsed.data), worker, laneId, carry)
      : null;
    if (!laneId) return;
    const noted = this.#d.cycles.of(worker.run_id);
    this.#d.cycles.note(laneId, {
      worker_run_id: worker.run_id,
      cycle: worker.cycle,
      tests_passed: noted?.tests_passed ?? null,
      verdict: review.verdict,
      next: next ? "remediation" : passed ? "ready" : "stopped",
      next_run_id: next?.run_id ?? null,
      updated_at: review.created_at,
    });
    if (passed) await this.#d.laneReady(laneId, worker.run_id);
  }

  /** Continues the worker's session (same backend, worktree and session) with `prompt`, one cycle on. */
  async #remediate(
    previous: RunRecord,
    prompt: string,
    worker: { run_id: string; policy: ReviewPolicy; cycle: number },
    laneId: string | null,
    carry: ReviewCarry,
  ): Promise<RunRecord> {
    const resumed = forContinuation(previous, toInputMessage(prompt, undefined));
    return this.#d.spawn(
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
