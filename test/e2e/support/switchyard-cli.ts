// The `switchyard` terminal view run as a person runs it: `npx switchyard …` from the repository,
// as its own process with stdin closed, its output collected as it comes.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  /** Output so far. */
  readonly stdout: string;
  /** Resolves once stdout contains `text`. */
  printed(text: string): Promise<void>;
  /** Resolves when the process has exited. */
  readonly done: Promise<CliResult>;
}

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * Starts `switchyard args…` against `connection` (given as SWITCHYARD_URL / SWITCHYARD_TOKEN). With
 * `tty`, inside `script`, so stdout and stderr are one terminal (the launcher itself: npx would
 * draw its own spinner there).
 */
export function startCli(
  args: string[],
  connection: { url?: string; token?: string } = {},
  { tty = false, timeoutMs = 60_000 } = {},
): CliProcess {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.SWITCHYARD_URL;
  delete env.SWITCHYARD_TOKEN;
  if (connection.url) env.SWITCHYARD_URL = connection.url;
  if (connection.token) env.SWITCHYARD_TOKEN = connection.token;
  const [file, argv] = tty
    ? ["script", ["-qec", ["node", "cli/launcher.js", ...args].map(quote).join(" "), "/dev/null"]]
    : ["npx", ["switchyard", ...args]];
  const child = spawn(file, argv, {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  const waiters: { text: string; resolve(): void }[] = [];
  child.stdout.on("data", (d) => {
    stdout += d;
    for (const w of waiters.filter((w) => stdout.includes(w.text))) w.resolve();
  });
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), timeoutMs);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    get stdout() {
      return stdout;
    },
    printed: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ text, resolve })),
            done.then((r) => {
              throw new Error(
                `switchyard exited (${r.code}) without printing "${text}":\n${r.stdout}${r.stderr}`,
              );
            }),
          ]),
    done,
  };
}

/** Runs `switchyard args…` to its end. */
export const runCli = (args: string[], connection?: { url?: string; token?: string }, tty = false) =>
  startCli(args, connection, { tty }).done;
