// A real `switchyard-runner` child process for end-to-end tests (`connect`, or any command line such
// as `serve-a2a`): its printed lines, and stopping it politely (SIGINT) or killing it outright (SIGKILL).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../../runner/bin.ts", import.meta.url));

export interface RunnerProcessOptions {
  url: string;
  token: string;
  name: string;
  roots: string[];
  labels?: Record<string, string>;
  maxRuns?: number;
  /** `--replace`: take the name from a runner connected under it. */
  replace?: boolean;
  /** `--lanes`: serve lanes (git worktrees of repositories under the roots). */
  lanes?: boolean;
  /** Environment of the runner and so of the agents it starts (fake model endpoints, homes). */
  env: Record<string, string>;
}

/** Any switchyard-runner command line, with the environment it runs in. */
export interface RunnerCommand {
  args: string[];
  env: Record<string, string>;
}

function connectCommand(o: RunnerProcessOptions): RunnerCommand {
  const args = ["connect", "--url", o.url, "--name", o.name, "--max-runs", String(o.maxRuns ?? 4)];
  for (const root of o.roots) args.push("--root", root);
  for (const [k, v] of Object.entries(o.labels ?? {})) args.push("--label", `${k}=${v}`);
  if (o.replace) args.push("--replace");
  if (o.lanes) args.push("--lanes");
  // The token goes by environment, as the runner's help recommends (flags show up in ps).
  return { args, env: { ...o.env, SWITCHYARD_RUNNER_TOKEN: o.token } };
}

export class RunnerProcess {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(o: RunnerProcessOptions | RunnerCommand) {
    const { args, env } = "args" in o ? o : connectCommand(o);
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: { ...env, PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    const onData = (chunk: Buffer) => {
      partial += chunk.toString("utf8");
      const complete = partial.split("\n");
      partial = complete.pop() ?? "";
      this.lines.push(...complete.filter(Boolean));
      for (const wake of this.#waiters.splice(0)) wake();
    };
    this.child.stdout!.on("data", onData);
    this.child.stderr!.on("data", onData);
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    void this.exited.then(() => this.#waiters.splice(0).forEach((wake) => wake()));
  }

  /** Waits for a printed line containing `text` (lines printed before count) and returns it. */
  async printed(text: string | RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => (typeof text === "string" ? l.includes(text) : text.test(l)));
      if (line) return line;
      if (this.child.exitCode !== null)
        throw new Error(
          `runner exited (${this.child.exitCode}) before printing ${text}:\n${this.lines.join("\n")}`,
        );
      if (Date.now() > deadline)
        throw new Error(`runner did not print ${text} within ${timeoutMs} ms:\n${this.lines.join("\n")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(1000, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Ctrl-C: the runner cancels its runs and exits. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGINT");
    return this.exited;
  }

  /** The process dies at once, as in a crash (its guard then ends its agents). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}
