// Backend probing: the executables the SDKs would start (the real ones installed here), PATH
// fallbacks and overrides with stand-in scripts, a hanging `--version`, and credential detection.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { probeBackends, type ProbeResult } from "../../runner/probe.ts";
import { makeTempDir } from "./support/agent-harness.ts";

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let bin: string;
let home: string;

beforeEach(async () => {
  dir = await makeTempDir("probe");
  bin = join(dir.path, "bin");
  home = join(dir.path, "home");
  await mkdir(bin);
  await mkdir(home);
});

afterEach(() => dir.remove());

async function script(name: string, body: string): Promise<string> {
  const path = join(bin, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

const byBackend = (results: ProbeResult[], backend: ProbeResult["backend"]) =>
  results.find((r) => r.backend === backend)!;

describe("probeBackends", () => {
  it("finds the executables the SDK packages ship and reads their versions", async () => {
    const results = await probeBackends({ env: { PATH: bin, HOME: home } });

    expect(byBackend(results, "codex")).toMatchObject({
      installed: true,
      version: expect.stringMatching(/^codex-cli \d/),
    });
    expect(byBackend(results, "codex").executable).toContain("@openai/codex-");
    expect(byBackend(results, "claude_code")).toMatchObject({
      installed: true,
      version: expect.stringContaining("Claude Code"),
    });
    expect(byBackend(results, "claude_code").executable).toContain("@anthropic-ai/claude-agent-sdk-");
  });

  it("falls back to PATH, and reports not installed when nothing is found", async () => {
    const codex = await script("codex", 'echo "codex-cli 9.9.9"');
    const results = await probeBackends({ env: { PATH: bin, HOME: home }, useBundled: false });

    expect(byBackend(results, "codex")).toMatchObject({
      installed: true,
      version: "codex-cli 9.9.9",
      executable: codex,
    });
    expect(byBackend(results, "claude_code")).toMatchObject({
      installed: false,
      detail: "no claude executable found",
    });
  });

  it("uses configured executables, and a `--version` that fails or hangs means not installed", async () => {
    const broken = await script("broken", "exit 7");
    const hanging = await script("hanging", "exec sleep 30");
    const results = await probeBackends({
      env: { PATH: bin, HOME: home },
      executables: { codex: broken, claude_code: hanging },
      timeoutMs: 300,
    });

    expect(byBackend(results, "codex")).toMatchObject({ installed: false, executable: broken });
    expect(byBackend(results, "claude_code")).toMatchObject({ installed: false, executable: hanging });
    expect(byBackend(results, "claude_code").detail).toContain("--version failed");
  });

  it("reports credentials from the environment, saved logins, or their absence", async () => {
    const env = { PATH: bin, HOME: home };
    const none = await probeBackends({ env, useBundled: false });
    expect(none.map((r) => r.credentials)).toEqual(["missing", "missing", "unknown"]);

    const keys = await probeBackends({
      env: { ...env, OPENAI_API_KEY: "k", ANTHROPIC_API_KEY: "k" },
      useBundled: false,
    });
    expect(keys.map((r) => r.credentials)).toEqual(["configured", "configured", "unknown"]);

    await mkdir(join(home, ".codex"));
    await mkdir(join(home, ".claude"));
    await writeFile(join(home, ".codex", "auth.json"), "{}");
    await writeFile(join(home, ".claude", ".credentials.json"), "{}");
    const saved = await probeBackends({ env, useBundled: false });
    expect(saved.map((r) => r.credentials)).toEqual(["configured", "configured", "unknown"]);
  });

  it("cannot tell for a codex config naming its own provider or Claude on Bedrock", async () => {
    const codexHome = join(home, "codex-home");
    await mkdir(codexHome);
    await writeFile(join(codexHome, "config.toml"), 'model_provider = "ollama"\n');
    const results = await probeBackends({
      env: { PATH: bin, HOME: home, CODEX_HOME: codexHome, CLAUDE_CODE_USE_BEDROCK: "1" },
      useBundled: false,
    });
    expect(results.map((r) => r.credentials)).toEqual(["unknown", "unknown", "unknown"]);
    // openai_compatible needs no executable; the endpoint and its key come with each run.
    expect(results[2]).toMatchObject({ backend: "openai_compatible", installed: true });
  });
});
