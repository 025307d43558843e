// `switchyard spawn --backend B -p "…"`: starts a run with spawn_run; prints its id or follows it.
import { UsageError, parseFlags, positionals, wholeNumber } from "../args.ts";
import { withSwitchyard, type Command } from "../command.ts";
import { STARTED_FLAGS, STARTED_USAGE, reportStarted, startedOptions } from "../started.ts";

export const spawn: Command = {
  name: "spawn",
  usage:
    `spawn --backend B ${STARTED_USAGE} [--agent-url URL] [--config JSON] [--cwd DIR] [--role R] ` +
    "[--agent-name A] [--timeout S]",
  async run(argv, ctx) {
    const { values, positionals: given } = parseFlags("spawn", argv, {
      ...STARTED_FLAGS,
      backend: { type: "string" },
      "agent-url": { type: "string" },
      config: { type: "string" },
      cwd: { type: "string" },
      role: { type: "string" },
      "agent-name": { type: "string" },
      timeout: { type: "string" },
    });
    positionals("spawn", given, []);
    if (!values.backend) throw new UsageError("spawn: --backend is required");
    const options = startedOptions("spawn", values);
    const config = {
      ...configOf(values.config),
      ...(values["agent-url"] ? { agent_url: values["agent-url"] } : {}),
    };
    const args = {
      backend: values.backend,
      prompt: options.prompt,
      backend_config: Object.keys(config).length > 0 ? config : undefined,
      cwd: values.cwd,
      role: values.role,
      agent_name: values["agent-name"],
      timeout_s: wholeNumber("timeout", values.timeout, 1, 7 * 24 * 3600),
    };
    return withSwitchyard(values, ctx, async (sy) =>
      reportStarted(sy, await sy.call<{ run_id: string }>("spawn_run", args), options, ctx),
    );
  },
};

/** --config: a JSON object of backend options (spawn_run's backend_config). */
function configOf(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new UsageError(`--config: expected a JSON object, got ${JSON.stringify(raw)}`);
  return parsed as Record<string, unknown>;
}
