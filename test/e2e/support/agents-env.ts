// Temporary homes and environment that point the real codex and Claude Code programs at the fake
// model servers, plus a scratch root for the runs' working directories.
import { mkdir, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codexConfigToml } from "../../fixtures/fake-openai-responses.ts";

export interface AgentsEnv {
  env: Record<string, string>;
  /** Directory the runner accepts runs in. */
  root: string;
  /** Unique marker in every agent process's environment, for finding leftovers in /proc. */
  home: string;
}

export async function makeAgentsEnv(
  openAiUrl: string,
  anthropicUrl: string,
  codex: Parameters<typeof codexConfigToml>[2] = {},
): Promise<AgentsEnv> {
  const base = await mkdtemp(join(tmpdir(), "switchyard-e2e-"));
  const home = join(base, "home");
  const codexHome = join(base, "codex-home");
  const root = join(base, "work");
  await Promise.all([mkdir(home), mkdir(codexHome), mkdir(root)]);
  await writeFile(join(codexHome, "config.toml"), codexConfigToml(openAiUrl, "FAKE_OPENAI_KEY", codex));
  return {
    root,
    home,
    env: {
      HOME: home,
      CODEX_HOME: codexHome,
      FAKE_OPENAI_KEY: "fake-key",
      ANTHROPIC_BASE_URL: anthropicUrl,
      ANTHROPIC_API_KEY: "fake-key",
    },
  };
}

/** Live pids of agent programs (codex or claude) whose environment has HOME=`home`. */
export async function agentPids(home: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const read = (file: string) => readFile(`/proc/${name}/${file}`, "utf8").catch(() => "");
    const [environ, cmdline, stat] = await Promise.all([read("environ"), read("cmdline"), read("stat")]);
    const zombie = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
    if (
      !zombie &&
      environ.split("\0").includes(`HOME=${home}`) &&
      /codex|claude/.test(cmdline) &&
      !cmdline.includes("runner/bin.ts")
    ) {
      found.push(Number(name));
    }
  }
  return found;
}
