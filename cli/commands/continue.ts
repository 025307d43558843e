// `switchyard continue RUN -p "…"`: answers a run waiting for input (or resumes a finished run's
// session in a new run, whose id is printed); like spawn, it can follow the run it continued.
import { parseFlags, positionals } from "../args.ts";
import { withSwitchyard, type Command } from "../command.ts";
import { STARTED_FLAGS, STARTED_USAGE, reportStarted, startedOptions } from "../started.ts";

export const continueCommand: Command = {
  name: "continue",
  usage: `continue RUN ${STARTED_USAGE}`,
  async run(argv, ctx) {
    const { values, positionals: given } = parseFlags("continue", argv, STARTED_FLAGS);
    const [runId] = positionals("continue", given, ["RUN"]);
    const options = startedOptions("continue", values);
    return withSwitchyard(values, ctx, async (sy) => {
      // A live continuation goes on in the same log: follow only what comes after the question.
      const { last_seq } = await sy.call<{ last_seq: number }>("get_run", { run_id: runId });
      const answer = await sy.call<{ run_id: string; mode: "live" | "new_run" }>("continue_run", {
        run_id: runId,
        prompt: options.prompt,
      });
      return reportStarted(sy, answer, { ...options, afterSeq: answer.mode === "live" ? last_seq : 0 }, ctx);
    });
  },
};
