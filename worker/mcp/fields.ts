// Field schemas several tools share, so each constraint and its message is written once.
import { z } from "zod";
import { normalizeAbsolutePath } from "../../shared/protocol/paths.ts";
import { boundedJson } from "../../shared/json-limits.ts";

/** Every run tool names its run by `run_id`, or by `agent_name` meaning that agent's newest run. */
export const RunSelectorShape = {
  run_id: z.string().max(64).optional().describe("The run's id (run_…)."),
  agent_name: z.string().max(64).optional().describe("Instead of run_id: the newest run of this agent."),
};

export const refineSelector = (v: { run_id?: string; agent_name?: string }, ctx: z.RefinementCtx) => {
  if ((v.run_id === undefined) === (v.agent_name === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["run_id"],
      message: "expected exactly one of run_id or agent_name",
    });
  }
};

export const AgentNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    "expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
  );

/** An absolute POSIX or Windows path (protocol/paths.ts), kept as given. */
export const AbsolutePathSchema = z
  .string()
  .max(4096)
  .refine((p) => normalizeAbsolutePath(p) !== undefined, "expected an absolute path");

/** backend_config wherever it is given: a run's, a lane's defaults, a reviewer's. */
export const BackendConfigSchema = boundedJson(64 * 1024);

/** How every tool taking a message describes the shapes it accepts (messages.ts normalises them). */
export const MESSAGE_DESCRIPTION =
  'A message: {role: "user"|"agent"|"system", parts, metadata?}, parts either A2A-style ({kind: "text", text} | ' +
  '{kind: "data", data} | {kind: "file", file: {uri | bytes, name?, mime_type?}}) or orchestration-mcp-style ' +
  '({type: "text", text} | {type: "data", data} | {type: "file", uri | bytes_base64, name?, mime_type?}); stored ' +
  "and shown in the A2A style. role system: orchestrator instructions, given to the agent as a turn opened by " +
  '"[system] Instructions from the orchestrator:". metadata: kept with the message for correlation, never sent ' +
  "to the agent.";
