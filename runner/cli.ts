// argv and environment → the command to run and its config, nothing more: no I/O, and the only
// facts about the machine (cwd, hostname) are handed in. bin.ts runs what this returns.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { RunnerConfig } from "./runner.ts";

export type Command =
  | { command: "connect"; config: RunnerConfig }
  | { command: "list-backends"; probe: boolean; json: boolean }
  | { command: "help"; text: string };

/** Bad usage; bin.ts prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  hostname: string;
}

export const HELP = `Usage:
  switchyard-runner connect --url URL --token TOKEN [options]
  switchyard-runner list-backends [--probe] [--json]

Runs local coding agents (codex, claude_code) for a hosted Switchyard.

connect: dial in to Switchyard and take runs until stopped (Ctrl-C cancels the runs and exits).
  --url URL         Switchyard base URL (env SWITCHYARD_URL)
  --token TOKEN     runner token (env SWITCHYARD_RUNNER_TOKEN; prefer it: flags show up in ps)
  --name NAME       name of this runner (default: the hostname)
  --label KEY=VALUE label runs can select this runner by; repeatable
  --root DIR        directory runs may work in, at or below; repeatable (default: the current directory)
  --max-runs N      runs at the same time, 1 to 256 (default: 4)
  --replace         take the name from a runner connected under it (that runner stops)
  --lanes           serve lanes: lane runs work in git worktrees of repositories under the
                    roots (<root>/.switchyard/worktrees/<lane_id>), committed, tested, landed

list-backends: the backends this runner can drive.
  --probe           also check which are installed and have credentials (runs each agent's --version)
  --json            print JSON instead of a table

  -h, --help        show this text
`;

const MAX_RUNS_LIMIT = 256;

export function parseCli(argv: readonly string[], context: CliContext): Command {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError("expected a command: connect or list-backends");
  if (command === "help" || command === "--help" || command === "-h") return { command: "help", text: HELP };
  if (command === "connect") return parseConnect(rest, context);
  if (command === "list-backends") {
    const { values } = parse(rest, { probe: { type: "boolean" }, json: { type: "boolean" } });
    return values.help
      ? { command: "help", text: HELP }
      : { command: "list-backends", probe: values.probe === true, json: values.json === true };
  }
  throw new UsageError(`unknown command "${command}": expected connect or list-backends`);
}

function parseConnect(args: string[], { env, cwd, hostname }: CliContext): Command {
  const { values } = parse(args, {
    url: { type: "string" },
    token: { type: "string" },
    name: { type: "string" },
    label: { type: "string", multiple: true },
    root: { type: "string", multiple: true },
    "max-runs": { type: "string" },
    replace: { type: "boolean" },
    lanes: { type: "boolean" },
  });
  if (values.help) return { command: "help", text: HELP };
  const url = values.url ?? env.SWITCHYARD_URL;
  const token = values.token ?? env.SWITCHYARD_RUNNER_TOKEN;
  if (!url) throw new UsageError("--url is required (or set SWITCHYARD_URL)");
  if (!token) throw new UsageError("--token is required (or set SWITCHYARD_RUNNER_TOKEN)");
  const name = values.name ?? hostname;
  if (name.length < 1 || name.length > 128)
    throw new UsageError(`--name: expected 1 to 128 characters, got "${name}"`);
  return {
    command: "connect",
    config: {
      url: checkUrl(url),
      token,
      name,
      labels: Object.fromEntries((values.label ?? []).map(parseLabel)),
      lanes: values.lanes === true,
      roots: (values.root ?? [cwd]).map((root) => resolve(cwd, root)),
      maxRuns: parseMaxRuns(values["max-runs"]),
      replace: values.replace === true,
    },
  };
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** parseArgs in strict mode; its errors already name the flag, and become usage errors. */
function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_"))
      throw new UsageError((error as Error).message);
    throw error;
  }
}

function checkUrl(raw: string): string {
  const url = URL.parse(raw);
  if (!url || !["http:", "https:", "ws:", "wss:"].includes(url.protocol)) {
    throw new UsageError(`--url: expected an http(s):// or ws(s):// URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, "");
}

function parseLabel(raw: string): [string, string] {
  const at = raw.indexOf("=");
  if (at < 1) throw new UsageError(`--label: expected KEY=VALUE, got "${raw}"`);
  // The Worker sends lane runs by this label: only a runner that serves them may carry it.
  if (raw.slice(0, at) === "lanes") throw new UsageError(`--label: "lanes" is set by --lanes, got "${raw}"`);
  return [raw.slice(0, at), raw.slice(at + 1)];
}

function parseMaxRuns(raw: string | undefined): number {
  if (raw === undefined) return 4;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_RUNS_LIMIT) {
    throw new UsageError(`--max-runs: expected a whole number from 1 to ${MAX_RUNS_LIMIT}, got "${raw}"`);
  }
  return n;
}
