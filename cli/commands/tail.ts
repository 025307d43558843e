// `switchyard tail RUN`: a run's events live, to its end; the exit code says how it ended.
import { FOLLOW, parseFlags, positionals, wholeNumber } from "../args.ts";
import { withSwitchyard, type Command } from "../command.ts";
import { followRun } from "../follow.ts";

export const tail: Command = {
  name: "tail",
  usage: "tail RUN [--after SEQ] [--json] [--exit-on-input]",
  async run(argv, ctx) {
    const { values, positionals: given } = parseFlags("tail", argv, { ...FOLLOW, after: { type: "string" } });
    const [runId] = positionals("tail", given, ["RUN"]);
    const afterSeq = wholeNumber("after", values.after, 0, Number.MAX_SAFE_INTEGER);
    return withSwitchyard(values, ctx, (sy) =>
      followRun(
        sy,
        runId!,
        { json: values.json === true, exitOnInput: values["exit-on-input"] === true, afterSeq },
        ctx.out,
      ),
    );
  },
};
