#!/usr/bin/env node
// `switchyard-runner`: runs what cli.ts parsed. The one place that owns the process: stdout for
// list-backends, SIGINT/SIGTERM, exit codes (2 for bad usage, 1 for a failed start or fatal close).
import { hostname } from "node:os";
import { HELP, parseCli, UsageError, type Command } from "./cli.ts";
import { LOCAL_AGENTS } from "./local-agents.ts";
import { availabilityOf, probeBackends } from "./probe.ts";
import { startRunner } from "./runner.ts";
import { startServeA2a, type ServeA2aConfig } from "./serve-a2a/serve.ts";
import { errorMessage } from "../shared/backends/error-text.ts";

async function main(): Promise<number> {
  let command: Command;
  try {
    command = parseCli(process.argv.slice(2), { env: process.env, cwd: process.cwd(), hostname: hostname() });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`switchyard-runner: ${error.message}\nRun "switchyard-runner --help" for usage.\n`);
    return 2;
  }
  if (command.command === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (command.command === "list-backends") return listBackends(command.probe, command.json);
  if (command.command === "serve-a2a") return serveA2a(command.config);

  const runner = await startRunner(command.config);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C means "now": the runner's guard (process-reaper.ts) ends its agents.
    if (signals++ > 0) process.exit(130);
    void runner.stop(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return runner.done;
}

async function serveA2a(config: ServeA2aConfig): Promise<number> {
  const served = await startServeA2a(config, { agentOf: LOCAL_AGENTS[config.agent]! });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  // A second Ctrl-C means "now": the guard (process-reaper.ts) ends the agents.
  process.once(signal, () => process.exit(130));
  console.log(`${signal}: ending running tasks`);
  await served.close();
  return 0;
}

async function listBackends(probe: boolean, json: boolean): Promise<number> {
  const rows: Record<string, unknown>[] = probe
    ? (await probeBackends()).map((r) => ({ ...r, availability_state: availabilityOf(r) }))
    : Object.keys(LOCAL_AGENTS).map((backend) => ({ backend }));
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const columns = probe
    ? ["backend", "availability_state", "installed", "version", "credentials", "executable", "detail"]
    : ["backend"];
  const cells = [
    columns.map((c) => c.toUpperCase()),
    ...rows.map((row) => columns.map((c) => String(row[c] ?? ""))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  for (const line of cells)
    process.stdout.write(
      `${line
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
  if (!probe) process.stdout.write("\nRun with --probe to check which are installed.\n");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`switchyard-runner: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
