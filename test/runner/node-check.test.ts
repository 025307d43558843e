// The Node version check that runs before `npm start`, `npm test` and `switchyard-runner`: a real
// older Node (this machine's /usr/bin/node) gets one line and exit code 1; the current one passes.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import runnerPackage from "../../runner/package.json" with { type: "json" };

const CHECK = fileURLToPath(new URL("../../runner/node-check.cjs", import.meta.url));
const LAUNCHER = fileURLToPath(new URL("../../runner/launcher.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OLD_NODE = "/usr/bin/node";

const run = (node: string, args: string[]) => spawnSync(node, args, { encoding: "utf8", timeout: 60_000 });
const versionOf = (node: string) => run(node, ["--version"]).stdout.trim();
const [needMajor, needMinor] = /(\d+)\.(\d+)/.exec(runnerPackage.engines.node)!.slice(1).map(Number);
const isOld = (version: string) => {
  const [major, minor] = version.slice(1).split(".").map(Number);
  return major! < needMajor! || (major === needMajor && minor! < needMinor!);
};
const oldNode = existsSync(OLD_NODE) && isOld(versionOf(OLD_NODE));

describe("node version check", () => {
  it.skipIf(!oldNode).each([
    ["the check itself", [CHECK]],
    ["switchyard-runner's launcher", [LAUNCHER, "connect", "--url", "http://127.0.0.1:9"]],
  ])("on %s, an older Node exits 1 naming the version needed and its own", (_what, args) => {
    const result = run(OLD_NODE, args);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `Switchyard needs Node ${needMajor}.${needMinor} or later (this is ${versionOf(OLD_NODE)})\n`,
    );
    expect(result.stdout).toBe("");
  });

  it("the current Node passes through: the check is silent, the launcher goes on to the runner", () => {
    expect(isOld(process.version)).toBe(false);
    expect(run(process.execPath, [CHECK])).toMatchObject({ status: 0, stdout: "", stderr: "" });
    const help = run(process.execPath, [LAUNCHER, "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage:\n {2}switchyard-runner connect/);
  });

  it.skipIf(!oldNode || !existsSync("/usr/bin/npm")).each(["start", "test"])(
    "npm %s on the older Node stops at the check",
    (script) => {
      const result = spawnSync("/usr/bin/npm", [script], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, PATH: "/usr/bin:/bin" },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`Switchyard needs Node ${needMajor}.${needMinor} or later`);
    },
  );
});
