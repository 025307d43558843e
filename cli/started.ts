// What spawn and continue share: the -p prompt, and after the call either the run id (or the
// tool's answer with --json) or, with --follow / --output stream-json, the run's events to its end.
import { FOLLOW, UsageError } from "./args.ts";
import type { Context } from "./command.ts";
import type { Switchyard } from "./client.ts";
import { EXIT, followRun } from "./follow.ts";

export const STARTED_FLAGS = {
  ...FOLLOW,
  prompt: { type: "string", short: "p" },
  follow: { type: "boolean", short: "f" },
  output: { type: "string", short: "o" },
} as const;

export const STARTED_USAGE = '-p "PROMPT" [--follow] [--json] [--output text|stream-json] [--exit-on-input]';

interface StartedValues {
  prompt?: string;
  follow?: boolean;
  json?: boolean;
  output?: string;
  "exit-on-input"?: boolean;
}

/** The prompt, required, and the output mode, checked before anything is sent. */
export function startedOptions(command: string, values: StartedValues) {
  if (!values.prompt) throw new UsageError(`${command}: -p "PROMPT" is required`);
  if (values.output !== undefined && values.output !== "text" && values.output !== "stream-json")
    throw new UsageError(`--output: expected text or stream-json, got "${values.output}"`);
  const stream = values.output === "stream-json";
  return {
    prompt: values.prompt,
    follow: values.follow === true || stream,
    json: values.json === true || stream,
    exitOnInput: values["exit-on-input"] === true,
  };
}

/** After spawn_run / continue_run answered: print the run, or follow it. */
export async function reportStarted(
  sy: Switchyard,
  answer: { run_id: string },
  options: ReturnType<typeof startedOptions> & { afterSeq?: number },
  ctx: Context,
): Promise<number> {
  if (!options.follow) {
    ctx.out.stdout.write(options.json ? `${JSON.stringify(answer)}\n` : `${answer.run_id}\n`);
    return EXIT.completed;
  }
  // Rendered lines begin with the run's id; JSON lines carry it in every event.
  if (!options.json) ctx.out.stdout.write(`${answer.run_id}\n`);
  return followRun(sy, answer.run_id, options, ctx.out);
}
