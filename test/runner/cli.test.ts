// argv and environment → command and config: flags, environment fallbacks, defaults, bad usage.
import { describe, expect, it } from "vitest";
import { parseCli, UsageError } from "../../runner/cli.ts";

const context = { env: {}, cwd: "/home/dev/project", hostname: "devbox" };
const connect = (argv: string[], env: Record<string, string> = {}) => {
  const command = parseCli(["connect", ...argv], { ...context, env });
  if (command.command !== "connect") throw new Error(`expected connect, got ${command.command}`);
  return command.config;
};
const usageError = (argv: string[], env: Record<string, string> = {}) => {
  try {
    parseCli(argv, { ...context, env });
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error("expected a UsageError");
};

describe("connect", () => {
  it("takes every flag", () => {
    const argv = [
      "--url",
      "https://sy.example.com/",
      "--token",
      "tok",
      "--name",
      "laptop",
      "--label",
      "gpu=yes",
    ];
    argv.push(
      "--label",
      "team=a=b",
      "--root",
      "/srv/repos",
      "--root",
      "sub",
      "--max-runs",
      "8",
      "--replace",
      "--lanes",
    );
    expect(connect(argv)).toEqual({
      url: "https://sy.example.com",
      token: "tok",
      name: "laptop",
      labels: { gpu: "yes", team: "a=b" },
      roots: ["/srv/repos", "/home/dev/project/sub"],
      maxRuns: 8,
      replace: true,
      lanes: true,
    });
  });

  it("falls back to the environment for url and token, and to defaults for the rest", () => {
    const env = { SWITCHYARD_URL: "http://127.0.0.1:8787", SWITCHYARD_RUNNER_TOKEN: "env-token" };
    expect(connect([], env)).toEqual({
      url: "http://127.0.0.1:8787",
      token: "env-token",
      name: "devbox",
      labels: {},
      roots: ["/home/dev/project"],
      maxRuns: 4,
      replace: false,
      lanes: false,
    });
  });

  it("prefers flags over the environment", () => {
    const env = { SWITCHYARD_URL: "http://env", SWITCHYARD_RUNNER_TOKEN: "env-token" };
    expect(connect(["--url", "http://flag", "--token", "flag-token"], env)).toMatchObject({
      url: "http://flag",
      token: "flag-token",
    });
  });
});

describe("bad usage names the flag", () => {
  const base = ["connect", "--url", "http://x", "--token", "t"];

  it.each([
    [[...base, "--bogus"], "--bogus"],
    [[...base, "--max-runs", "0"], "--max-runs"],
    [[...base, "--max-runs", "2.5"], "--max-runs"],
    [[...base, "--max-runs", "257"], "--max-runs"],
    [[...base, "--label", "novalue"], "--label"],
    [[...base, "--label", "=v"], "--label"],
    [[...base, "--label", "lanes=true"], "--label"],
    [["connect", "--url", "ftp://x", "--token", "t"], "--url"],
    [["connect", "--url", "not a url", "--token", "t"], "--url"],
    [["connect", "--token", "t"], "--url"],
    [["connect", "--url", "http://x"], "--token"],
    [["connect", "--url"], "--url"],
    [["list-backends", "--url", "http://x"], "--url"],
    [[...base, "extra"], "extra"],
  ])("%j", (argv, flag) => {
    expect(usageError(argv)).toContain(flag);
  });

  it("rejects a missing or unknown command", () => {
    expect(usageError([])).toContain("expected a command");
    expect(usageError(["serve"])).toContain('unknown command "serve"');
  });
});

describe("other commands", () => {
  it("parses list-backends flags", () => {
    expect(parseCli(["list-backends"], context)).toEqual({
      command: "list-backends",
      probe: false,
      json: false,
    });
    expect(parseCli(["list-backends", "--probe", "--json"], context)).toEqual({
      command: "list-backends",
      probe: true,
      json: true,
    });
  });

  it("answers --help anywhere", () => {
    for (const argv of [["--help"], ["-h"], ["help"], ["connect", "--help"], ["list-backends", "-h"]]) {
      expect(parseCli(argv, context)).toMatchObject({ command: "help" });
    }
  });
});
