// Approvals relayed to the caller: the per-run policy, the request an agent's permission prompt
// becomes (input_required `data.approval`), and the caller's answer (continue_run `approval`).
// Imports neither node:* nor cloudflare:*: the Worker and the runner share these.
import { z } from "zod";

const RequestId = z.string().min(1).max(64);

/** `deny`: whatever would ask is denied at once (no one is there). `relay`: the caller answers. */
export const ApprovalPolicySchema = z.enum(["deny", "relay"]);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

/** How long a relayed request waits for its answer before it is denied, unless the run says otherwise. */
export const DEFAULT_APPROVAL_TIMEOUT_S = 600;

/** What the agent asks to do, as the caller sees it in `data.approval` and on the run record. */
export const ApprovalRequestSchema = z.object({
  request_id: RequestId,
  tool: z.string(),
  /** A shell command the agent would run. */
  command: z.string().optional(),
  /** The file a file tool would read or write. */
  file: z.string().optional(),
  /** The tool's whole input, for any other tool. */
  input: z.record(z.string(), z.unknown()).optional(),
  /** Why the agent asks, in its own words (its prompt text), when it gave one. */
  reason: z.string().optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** The caller's answer; `reason` is told to the agent with a denial and kept in the run's log. */
export const ApprovalAnswerSchema = z.strictObject({
  approve: z.boolean(),
  reason: z.string().min(1).max(4096).optional(),
  request_id: RequestId.optional().describe("The request answered (default: the one the run waits on)."),
});
export type ApprovalAnswer = z.infer<typeof ApprovalAnswerSchema>;

/** How a request ended: answered by the caller, denied at its timeout, or dropped with its turn. */
export type ApprovalResolution = "caller" | "timeout" | "withdrawn";
