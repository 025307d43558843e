// The official MCP conformance suite (@modelcontextprotocol/conformance) against `wrangler dev`,
// through a loopback proxy that adds the bearer token (the suite has no header option). Each
// scenario must pass every check; DNS rebinding must be refused with 421 before any auth.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBearerProxy, type BearerProxy } from "./support/bearer-proxy.ts";
import { WranglerDev } from "./support/wrangler-dev.ts";

const TOKEN = "conformance-token";

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO";
  errorMessage?: string;
  details?: { statusCode?: number };
}

let dev: WranglerDev;
let proxy: BearerProxy;

beforeAll(async () => {
  dev = new WranglerDev({ vars: { SWITCHYARD_TOKENS: `conf=${TOKEN}` } });
  await dev.start();
  proxy = await startBearerProxy(dev.port, TOKEN);
});

afterAll(async () => {
  await proxy?.close();
  await dev?.stop();
});

/** Runs one scenario as a child process; returns its exit code and the checks it wrote. */
async function conformance(scenario: string): Promise<{ exitCode: number; checks: Check[]; output: string }> {
  const outDir = await mkdtemp(join(tmpdir(), "switchyard-conformance-"));
  const args = ["conformance", "server", "--url", `${proxy.url}/mcp`, "--scenario", scenario, "-o", outDir];
  const { exitCode, output } = await promisify(execFile)("npx", args, { timeout: 120_000 }).then(
    (r) => ({ exitCode: 0, output: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      exitCode: e.code ?? -1,
      output: `${e.stdout ?? ""}${e.stderr ?? ""}`,
    }),
  );
  // The suite writes <outDir>/server-<scenario>-<timestamp>/checks.json.
  const [run] = await readdir(outDir);
  const checks = run ? (JSON.parse(await readFile(join(outDir, run, "checks.json"), "utf8")) as Check[]) : [];
  return { exitCode, checks, output };
}

describe("MCP conformance suite", () => {
  it.each(["dns-rebinding-protection", "server-initialize", "ping", "tools-list"])(
    "%s passes every check",
    async (scenario) => {
      const { exitCode, checks, output } = await conformance(scenario);
      const failed = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
      expect(failed, output).toEqual([]);
      expect(checks.length, output).toBeGreaterThan(0);
      expect(exitCode, output).toBe(0);
    },
  );

  it("the rebinding request is refused with 421 and the loopback one served", async () => {
    const before = proxy.forwarded;
    const { checks } = await conformance("dns-rebinding-protection");
    expect(proxy.forwarded - before).toBe(2); // both requests reached the Worker
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get("localhost-host-rebinding-rejected")?.details?.statusCode).toBe(421);
    expect(byId.get("localhost-host-valid-accepted")?.details?.statusCode).toBe(200);
  });
});
