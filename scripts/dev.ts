// `npm start`: runs Switchyard locally with `wrangler dev` and its local Durable Object storage.
// On first start it writes development tokens to .dev.vars and prints how to connect.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const PORT = process.env.PORT ?? "8787";
const VARS = ".dev.vars";

if (!existsSync(VARS)) {
  const token = (kind: string) => `sy_${kind}_${randomBytes(18).toString("base64url")}`;
  writeFileSync(
    VARS,
    [
      `SWITCHYARD_TOKENS=dev=${token("dev")}`,
      `SWITCHYARD_RUNNER_TOKENS=dev=${token("runner")}`,
      // Local agents (A2A on localhost, Ollama) are fine to reach from a local edge.
      `SWITCHYARD_EDGE_ALLOW_HOSTS=127.0.0.1,localhost`,
      "",
    ].join("\n"),
  );
}
const vars = Object.fromEntries(
  readFileSync(VARS, "utf8")
    .split("\n")
    .filter((line) => line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);
const mcpToken = String(vars.SWITCHYARD_TOKENS ?? "").split(",")[0]?.split("=")[1] ?? "";
const url = `http://127.0.0.1:${PORT}`;

console.log(`
Switchyard (local) — MCP endpoint ${url}/mcp
  development token: ${mcpToken}        (from ${VARS}; delete the file for new ones)
  Claude Code:  claude mcp add --transport http switchyard ${url}/mcp --header "Authorization: Bearer ${mcpToken}"
`);

const wrangler = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", PORT], { stdio: "inherit" });
const stop = () => wrangler.kill("SIGINT");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
wrangler.on("exit", (code) => process.exit(code ?? 0));
