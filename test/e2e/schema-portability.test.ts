// MCP Inspector's CLI (the real program) lists the tools of `wrangler dev` and reports no schema
// portability finding at all — no `type` arrays, boolean schemas or schemas that constrain nothing
// — so clients that map tool schemas onto a single-`type` dialect take every tool as declared.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WranglerDev } from "./support/wrangler-dev.ts";

const TOKEN = "inspector-token";

let dev: WranglerDev;

beforeAll(async () => {
  dev = new WranglerDev({ vars: { SWITCHYARD_TOKENS: `insp=${TOKEN}` } });
  await dev.start();
});

afterAll(async () => {
  await dev?.stop();
});

describe("tool schemas under MCP Inspector", () => {
  it("tools/list has 0 errors and 0 warnings (--strict)", async () => {
    const args = [
      "inspector",
      "--cli",
      `${dev.url}/mcp`,
      "--transport",
      "http",
      "--header",
      `Authorization: Bearer ${TOKEN}`,
      "--method",
      "tools/list",
      "--strict",
      "--format",
      "json",
    ];
    const { stdout, stderr } = await promisify(execFile)("npx", args, { timeout: 120_000 });
    const answer = JSON.parse(stdout) as {
      result: { tools: { name: string }[] };
      schemaFindings?: unknown[];
    };
    expect(answer.schemaFindings, stderr).toBeUndefined();
    expect(stderr).not.toMatch(/Warning:|Error:|portability/);
    expect(answer.result.tools).toHaveLength(17);
    expect(answer.result.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(["spawn_run", "cancel_run"]),
    );
  });
});
