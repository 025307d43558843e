// continue_run: answer a run that waits for input, or resume a finished run's session in a new run.
import { z } from "zod";
import { parseBackendConfig, resolveBackend } from "../../backends/registry.ts";
import { tenantStub } from "../../objects/stubs.ts";
import { ApprovalAnswerSchema } from "../../../shared/runs/approvals.ts";
import { GivenMessageSchema, refineMessageSize, toInputMessage } from "../../../shared/runs/messages.ts";
import { forContinuation } from "../../../shared/runs/run-spec.ts";
import { fingerprintOf } from "../../runs/spawn.ts";
import { RunStatusSchema, isTerminal } from "../../../shared/runs/status.ts";
import { BackendConfigSchema, MESSAGE_DESCRIPTION, RunSelectorShape, refineSelector } from "../fields.ts";
import type { RunRecord } from "../../runs/run-record.ts";
import { openRun } from "../runs.ts";
import { defineTool, steersAgent } from "../tool.ts";

export const continueRun = defineTool({
  name: "continue_run",
  description:
    "Send a follow-up. While the run is input_required or auth_required it continues live; on a finished run a new " +
    "run resumes the same session (mode new_run) — give backend_config again if the first run needed secrets. " +
    "A run waiting on a permission (pending_approval, spawned with approvals relay) is answered with approval.",
  annotations: steersAgent("Continue a run"),
  input: z
    .strictObject({
      ...RunSelectorShape,
      prompt: z
        .string()
        .min(1)
        .max(256 * 1024)
        .optional(),
      input_message: GivenMessageSchema.optional().describe(MESSAGE_DESCRIPTION),
      backend_config: BackendConfigSchema.optional().describe(
        "Only for new_run: options and secrets for it.",
      ),
      approval: ApprovalAnswerSchema.optional().describe(
        "Answers the permission request an input_required run shows in pending_approval (approvals relay); " +
          "the agent goes on in the same turn. Given alone, without prompt or input_message.",
      ),
    })
    .superRefine((v, ctx) => {
      refineSelector(v, ctx);
      refineMessageSize(v, ctx);
      if (v.approval !== undefined) {
        if (v.prompt !== undefined || v.input_message !== undefined || v.backend_config !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["approval"],
            message: "give approval alone: prompt, input_message and backend_config do not go with it",
          });
      } else if (v.prompt === undefined && v.input_message === undefined) {
        ctx.addIssue({ code: "custom", path: ["prompt"], message: "expected prompt and/or input_message" });
      }
    }),
  output: z.object({
    mode: z.enum(["live", "new_run"]),
    run_id: z.string(),
    previous_run_id: z.string().optional(),
    status: RunStatusSchema,
    session_id: z.string(),
    agent_name: z.string(),
  }),
  async handler(args, ctx) {
    const { stub, record } = await openRun(ctx, args);
    if (args.approval) return liveAnswer(await stub.answerApproval(args.approval));
    const message = toInputMessage(args.prompt, args.input_message);
    if (!isTerminal(record.status)) return liveAnswer(await stub.continueWith(message));
    const backend = resolveBackend(record.backend);
    // The finished run kept only its public config; secrets (dropped when it ended) come anew.
    const { config, secrets } = parseBackendConfig(backend, {
      ...record.spec.config,
      ...args.backend_config,
    });
    const next = await (
      await tenantStub(ctx.env, ctx.tenant)
    ).spawn(
      {
        ...forContinuation(record, message, config),
        parent_run_id: record.parent_run_id ?? undefined,
        scope_run_id: ctx.scope?.run_id,
        // A lane run's continuation stays in its lane (and its worktree).
        lane_id: record.lane_id ?? undefined,
        fingerprint: await fingerprintOf({ continue_of: record.run_id, message, config }),
      },
      { secrets },
    );
    return {
      mode: "new_run" as const,
      run_id: next.run_id,
      previous_run_id: record.run_id,
      status: next.status,
      session_id: next.session_id,
      agent_name: next.agent_name,
    };
  },
});

/** The answer of a run continued live: it goes on as it is. */
const liveAnswer = (run: RunRecord) => ({
  mode: "live" as const,
  run_id: run.run_id,
  status: run.status,
  session_id: run.session_id,
  agent_name: run.agent_name,
});
