// Review dispatch: the policy a run or lane asks for, the findings schema every
// reviewer answers with, and the prompts that start a review and a remediation cycle.
import { z } from "zod";
import { BackendConfigSchema } from "../mcp/fields.ts";
import { evidenceSections, type LaneEvidence } from "./review-evidence.ts";

export const ReviewPolicySchema = z.strictObject({
  backend: z.string().min(1).max(64).describe("Backend of the reviewer run."),
  backend_config: BackendConfigSchema.optional(),
  profile: z.string().max(64).default("reviewer-remediator"),
  max_cycles: z.number().int().min(1).max(10).default(2),
});
export type ReviewPolicy = z.infer<typeof ReviewPolicySchema>;

export const FindingSchema = z.object({
  severity: z.enum(["high", "medium", "low"]),
  category: z.string(),
  file_path: z.string(),
  line_start: z.number().int(),
  line_end: z.number().int(),
  description: z.string(),
  fix: z.string(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const ReviewOutputSchema = z.object({
  verdict: z.enum(["pass", "pass_with_findings", "fail"]),
  summary: z.string(),
  findings: z.array(FindingSchema),
});
export type ReviewOutput = z.infer<typeof ReviewOutputSchema>;

/** The output_schema given to reviewer runs, as JSON Schema. */
export const REVIEW_OUTPUT_JSON_SCHEMA = z.toJSONSchema(ReviewOutputSchema) as Record<string, unknown>;

export interface WorkerOutcome {
  run_id: string;
  cwd: string | null;
  final_response: string | null;
  files_changed: string[];
  cycle: number;
  test_command?: string;
  /** A lane run's commit, diff and test result: what the reviewer judges besides the answer. */
  evidence?: LaneEvidence;
}

export function reviewPrompt(w: WorkerOutcome): string {
  const lane = w.evidence && (w.evidence.changes || w.evidence.tests) ? evidenceSections(w.evidence) : null;
  return [
    `Review the work of run ${w.run_id} (review cycle ${w.cycle}).`,
    w.cwd ? `Working directory: ${w.cwd}` : "",
    ...(lane ?? [
      w.files_changed.length
        ? `Files it changed:\n${w.files_changed.map((f) => `- ${f}`).join("\n")}`
        : "It reported no file changes.",
      w.test_command ? `Test command: ${w.test_command}` : "",
    ]),
    `Its final response:\n${w.final_response ?? "(none)"}`,
    "Answer with the verdict, a summary and every finding (severity, category, file_path, line_start, line_end, description, fix).",
  ]
    .filter(Boolean)
    .join("\n\n");
}

export function remediationPrompt(review: ReviewOutput): string {
  return [
    "A reviewer found problems in your change. Fix every finding below, then summarise what you changed.",
    `Reviewer summary: ${review.summary}`,
    ...review.findings.map(
      (f, i) =>
        `${i + 1}. [${f.severity}] ${f.file_path}:${f.line_start}-${f.line_end} ${f.description}\n   Fix: ${f.fix}`,
    ),
  ].join("\n\n");
}
