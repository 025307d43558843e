// `switchyard cancel RUN`: stops a live run; prints the run id and the status it ended in.
import { parseFlags, positionals } from "../args.ts";
import { withSwitchyard, type Command } from "../command.ts";

export const cancel: Command = {
  name: "cancel",
  usage: "cancel RUN [--json]",
  async run(argv, ctx) {
    const { values, positionals: given } = parseFlags("cancel", argv, { json: { type: "boolean" } });
    const [runId] = positionals("cancel", given, ["RUN"]);
    const run = await withSwitchyard(values, ctx, (sy) => sy.call("cancel_run", { run_id: runId }));
    ctx.out.stdout.write(values.json ? `${JSON.stringify(run)}\n` : `${run.run_id} ${run.status}\n`);
    return 0;
  },
};
