#!/usr/bin/env node
// `switchyard`: the terminal view over a Switchyard MCP endpoint. Picks the command, owns the
// process's streams and its exit code: 2 for bad usage (and arguments the server refused), 1 for
// any other failure, otherwise what the command answered.
import { isSwitchyardError } from "../shared/errors.ts";
import { UsageError } from "./args.ts";
import type { Command, Context } from "./command.ts";
import { cancel } from "./commands/cancel.ts";
import { continueCommand } from "./commands/continue.ts";
import { dashboard } from "./commands/dashboard.ts";
import { runs } from "./commands/runs.ts";
import { spawn } from "./commands/spawn.ts";
import { tail } from "./commands/tail.ts";
import { EXIT } from "./follow.ts";

const COMMANDS: Command[] = [runs, tail, spawn, cancel, continueCommand, dashboard];

const HELP =
  "Usage: switchyard <command> [--url URL] [--token TOKEN]\n" +
  "URL and token come from --url/--token or SWITCHYARD_URL/SWITCHYARD_TOKEN.\n\n" +
  COMMANDS.map((c) => `  switchyard ${c.usage}\n`).join("") +
  "\nExit codes: 0 completed, 1 failed/cancelled/rejected or an error, 2 bad usage, " +
  "3 waiting for input (--exit-on-input).\n";

export async function main(argv: string[], ctx: Context): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    ctx.out.stdout.write(HELP);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const names = COMMANDS.map((c) => c.name).join(", ");
    ctx.out.stderr.write(`switchyard: unknown command "${name}" (${names})\n`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    ctx.out.stdout.write(`Usage: switchyard ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.out.stderr.write(`switchyard: ${error.message} (see switchyard ${name} --help)\n`);
      return EXIT.usage;
    }
    if (isSwitchyardError(error)) {
      ctx.out.stderr.write(`switchyard: ${error.code}: ${error.message}\n`);
      return error.code === "bad_request" ? EXIT.usage : EXIT.ended;
    }
    ctx.out.stderr.write(`switchyard: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.ended;
  }
}

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: { stdout: process.stdout, stderr: process.stderr },
});
