// `switchyard runs`: the tenant's runs, newest first, with list_runs' filters.
import { parseFlags, positionals, wholeNumber } from "../args.ts";
import { withSwitchyard, type Command } from "../command.ts";
import { renderRunTable } from "../render.ts";

/** Each filter flag and the list_runs argument it sets. */
const FILTERS = {
  status: "status",
  backend: "backend",
  role: "role",
  "agent-name": "agent_name",
  parent: "parent_run_id",
  lane: "lane_id",
  cwd: "cwd",
} as const;

export const runs: Command = {
  name: "runs",
  usage:
    "runs [--status S] [--backend B] [--role R] [--agent-name A] [--parent RUN] [--lane L] [--cwd DIR] " +
    "[--limit N] [--json]",
  async run(argv, ctx) {
    const { values, positionals: given } = parseFlags("runs", argv, {
      ...Object.fromEntries(Object.keys(FILTERS).map((flag) => [flag, { type: "string" } as const])),
      limit: { type: "string" },
      json: { type: "boolean" },
    });
    positionals("runs", given, []);
    const args: Record<string, unknown> = { limit: wholeNumber("limit", values.limit, 1, 200) };
    for (const [flag, name] of Object.entries(FILTERS))
      args[name] = (values as Record<string, unknown>)[flag];
    const page = await withSwitchyard(values, ctx, (sy) => sy.call("list_runs", args));
    const lines = values.json
      ? page.runs.map((run: object) => JSON.stringify(run))
      : renderRunTable(page.runs);
    for (const line of lines) ctx.out.stdout.write(`${line}\n`);
    return 0;
  },
};
