// The official MCP conformance suite (@modelcontextprotocol/conformance) against `wrangler dev`,
// through a loopback proxy that adds the bearer token (the suite has no header option), for both
// protocol eras of the one endpoint. Each scenario must pass every check that applies to a server
// of tools and one resource (the run view app); DNS rebinding must be refused with 421 before any auth.
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

const LEGACY = "2025-11-25";
const MODERN = "2026-07-28";

/**
 * Checks that cannot apply to Switchyard, each for a stated reason: they call the suite's own
 * diagnostic tools, or ask for results of features Switchyard does not declare.
 */
const NOT_APPLICABLE: Record<string, string> = {
  "sep-2575-server-rejects-undeclared-capability": "calls the suite's tool test_missing_capability",
  "sep-2575-missing-capability-http-400": "calls the suite's tool test_missing_capability",
  "sep-2549-prompts-list-caching-hints": "no prompts capability",
  "sep-2549-resources-templates-list-caching-hints":
    "no resource templates (the one resource is the run view app)",
};

/** Runs one scenario at one protocol revision; returns its exit code and the checks it wrote. */
async function conformance(
  scenario: string,
  revision = LEGACY,
): Promise<{ exitCode: number; checks: Check[]; output: string }> {
  const outDir = await mkdtemp(join(tmpdir(), "switchyard-conformance-"));
  const args = [
    "conformance",
    "server",
    "--url",
    `${proxy.url}/mcp`,
    "--scenario",
    scenario,
    "--spec-version",
    revision,
    "-o",
    outDir,
  ];
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
  it.each([
    ["dns-rebinding-protection", LEGACY],
    ["server-initialize", LEGACY],
    ["ping", LEGACY],
    ["tools-list", LEGACY],
    ["dns-rebinding-protection", MODERN],
    ["tools-list", MODERN],
    ["http-header-validation", MODERN],
  ])("%s (%s) passes every check", async (scenario, revision) => {
    const { exitCode, checks, output } = await conformance(scenario, revision);
    const failed = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
    expect(failed, output).toEqual([]);
    expect(checks.length, output).toBeGreaterThan(0);
    expect(exitCode, output).toBe(0);
  });

  it.each(["server-stateless", "caching"])(
    "%s (2026-07-28) passes every check that applies to a server of tools and one resource",
    async (scenario) => {
      const { checks, output } = await conformance(scenario, MODERN);
      const failed = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
      expect(
        failed.filter((c) => !(c.id in NOT_APPLICABLE)),
        output,
      ).toEqual([]);
      expect(checks.filter((c) => c.status === "SUCCESS").length, output).toBeGreaterThan(failed.length);
    },
  );

  it("caching (2026-07-28): tools/list, resources/list and server/discover carry valid cache hints", async () => {
    const { checks, output } = await conformance("caching", MODERN);
    const byId = new Map(checks.map((c) => [c.id, c.status]));
    expect(byId.get("sep-2549-tools-list-caching-hints"), output).toBe("SUCCESS");
    expect(byId.get("sep-2549-resources-list-caching-hints"), output).toBe("SUCCESS");
    expect(byId.get("sep-2549-ttl-non-negative"), output).toBe("SUCCESS");
    expect(byId.get("sep-2549-cache-scope-valid"), output).toBe("SUCCESS");
  });

  it("the rebinding request is refused with 421 and the loopback one served", async () => {
    const before = proxy.forwarded;
    const { checks } = await conformance("dns-rebinding-protection");
    // Every request reached the Worker: the rebinding initialize, the valid one, and its initialized.
    expect(proxy.forwarded - before).toBe(3);
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get("localhost-host-rebinding-rejected")?.details?.statusCode).toBe(421);
    expect(byId.get("localhost-host-valid-accepted")?.details?.statusCode).toBe(200);
  });
});
