// The real Claude Code and codex programs as a person runs them from a shell (stdin closed, output
// collected), and the set-up blocks the README gives for them, read from README.md itself.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The Claude Code executable shipped with the SDK's platform package (what the runner runs). */
export const CLAUDE = require.resolve("@anthropic-ai/claude-agent-sdk-linux-x64/claude");
/** codex's launcher script (run with node), which picks the platform binary. */
export const CODEX = require.resolve("@openai/codex/bin/codex.js");

/** The endpoint the README's examples name; tests put `wrangler dev`'s URL in its place. */
export const README_MCP_URL = "https://switchyard.example.workers.dev/mcp";

export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (killed with its process group after `timeoutMs`). */
export function runProgram(
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    // Both programs wait for stdin when it is a pipe; a shell user's is a terminal or nothing.
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), options.timeoutMs ?? 90_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The first fenced block of `lang` after the README line that contains `heading`. */
export function readmeBlock(heading: string, lang: "sh" | "toml"): string {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const at = readme.indexOf(heading);
  if (at < 0) throw new Error(`README.md has no line with "${heading}"`);
  const block = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no ${lang} block after "${heading}"`);
  return block[1]!;
}

/** The JSON lines of a `--json` / `stream-json` output. */
export function jsonLines(stdout: string): Record<string, any>[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, any>);
}
