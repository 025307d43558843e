// `switchyard-runner` as a child process, the way end-to-end tests and developers start it:
// connects with flags and environment, stops on SIGTERM with exit code 0; bad usage exits 2.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { FakeHub } from "./support/fake-hub.ts";

const BIN = fileURLToPath(new URL("../../runner/bin.ts", import.meta.url));

let hub: FakeHub | undefined;
afterEach(async () => hub?.stop());

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => (out.stdout += String(chunk)));
  child.stderr.on("data", (chunk) => (out.stderr += String(chunk)));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, out, exited };
}

describe("switchyard-runner", () => {
  it("connects, and stops on SIGTERM with exit code 0", async () => {
    hub = await FakeHub.start();
    const { child, out, exited } = run(
      ["connect", "--url", hub.url, "--name", "ci-box", "--label", "team=core", "--max-runs", "3"],
      {
        SWITCHYARD_RUNNER_TOKEN: "runner-token",
      },
    );
    await hub.waitFor(() => hub!.connections[0]?.frames[0] !== undefined, "the hello", 20_000);
    expect(hub.current.frames[0]).toMatchObject({
      type: "runner.hello",
      name: "ci-box",
      labels: { team: "core" },
      max_runs: 3,
    });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out.stdout).toContain(`connected to ${hub.url} as ci-box (3 slots)`);
    expect(out.stdout).toContain("stopped: cancelled 0 runs");
  });

  it("exits 2 naming the flag on bad usage", async () => {
    const { out, exited } = run([
      "connect",
      "--url",
      "http://127.0.0.1:9",
      "--token",
      "t",
      "--max-runs",
      "lots",
    ]);
    expect(await exited).toBe(2);
    expect(out.stderr).toContain("--max-runs");
  });

  it("list-backends --probe --json reports this machine's agents, started for real with --version", async () => {
    const { out, exited } = run(["list-backends", "--probe", "--json"]);
    expect(await exited).toBe(0);
    const rows = JSON.parse(out.stdout) as {
      backend: string;
      installed: boolean;
      version?: string;
      availability_state: string;
    }[];
    expect(rows.map((r) => r.backend)).toEqual(["codex", "claude_code", "openai_compatible"]);
    // The SDK packages ship both executables: each really answered --version.
    expect(rows[0]).toMatchObject({ installed: true, version: expect.stringMatching(/codex/) });
    expect(rows[1]).toMatchObject({ installed: true, version: expect.stringMatching(/Claude Code/) });
  });

  it("list-backends --probe prints a table, with missing executables unavailable", async () => {
    const { out, exited } = run(["list-backends", "--probe"], {
      SWITCHYARD_CODEX_PATH: "/nonexistent/codex",
      SWITCHYARD_CLAUDE_PATH: "/nonexistent/claude",
    });
    expect(await exited).toBe(0);
    const [header, ...lines] = out.stdout.trim().split("\n");
    expect(header).toMatch(/^BACKEND\s+AVAILABILITY_STATE\s+INSTALLED/);
    expect(lines.find((l) => l.startsWith("codex "))).toMatch(/^codex\s+unavailable\s+false/);
    expect(lines.find((l) => l.startsWith("claude_code "))).toMatch(/^claude_code\s+unavailable\s+false/);
    expect(lines.find((l) => l.startsWith("openai_compatible "))).toMatch(/available\s+true/);
  });
});
