// `npm start`: Switchyard locally — `wrangler dev` with its local Durable Object storage, and a
// switchyard-runner connected to it so codex and claude_code runs work out of the box. On first
// start it writes development tokens to .dev.vars; it prints how to connect, and the dashboard with a
// one-time sign-in link once the Worker answers. A port already taken
// (by another `npm start` or anything else) ends it first, before it touches anything.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { mintSigninLink } from "../cli/signin-link.ts";

const PORT = process.env.PORT ?? "8787";
const VARS = ".dev.vars";
const RUNNER_ROOT = process.env.SWITCHYARD_RUNNER_ROOT ?? process.cwd();
const url = `http://127.0.0.1:${PORT}`;

/** Why 127.0.0.1:`port` cannot be listened on (wrangler binds it next): an error code, or undefined. */
const listenError = (port: number) =>
  new Promise<string | undefined>((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(undefined)));
  });
const isFree = async (port: number) => (await listenError(port)) === undefined;

/** Why Switchyard cannot start on PORT, or undefined when it can. */
async function portProblem(): Promise<string | undefined> {
  const port = Number(PORT);
  if (!/^\d+$/.test(PORT) || port < 1 || port > 65535) return `PORT: expected a port number, got "${PORT}"`;
  const error = await listenError(port);
  if (error === undefined) return undefined;
  if (error !== "EADDRINUSE") return `cannot listen on 127.0.0.1:${PORT} (${error}); choose another PORT`;
  let other = port + 1;
  while (other < port + 50 && !(await isFree(other))) other++;
  const elsewhere = `start another on a free port with PORT=${other} npm start`;
  const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) })
    .then((r) => r.json() as Promise<{ service?: unknown }>)
    .catch(() => undefined);
  return health?.service === "switchyard"
    ? `Switchyard is already running at ${url} (another npm start?): use that one, or ${elsewhere}`
    : `port ${PORT} on 127.0.0.1 is in use by something else (not Switchyard); ${elsewhere}`;
}

const problem = await portProblem();
if (problem) {
  console.error(`npm start: ${problem}`);
  process.exit(1);
}

if (!existsSync(VARS)) {
  const token = (kind: string) => `sy_${kind}_${randomBytes(18).toString("base64url")}`;
  writeFileSync(
    VARS,
    [
      `SWITCHYARD_TOKENS=dev=${token("dev")}`,
      `SWITCHYARD_RUNNER_TOKENS=dev=${token("runner")}`,
      // Local agents (A2A on localhost, Ollama) are fine to reach from a local edge.
      "SWITCHYARD_EDGE_ALLOW_HOSTS=127.0.0.1:*,localhost:*",
      "",
    ].join("\n"),
  );
}
// Before allow entries named ports, this file allowed the bare loopback hosts, which now means ports
// 80 and 443 only: a file written then is brought to what a new one says.
const OLD_ALLOW = "SWITCHYARD_EDGE_ALLOW_HOSTS=127.0.0.1,localhost\n";
const written = readFileSync(VARS, "utf8");
if (written.includes(OLD_ALLOW)) {
  writeFileSync(VARS, written.replace(OLD_ALLOW, "SWITCHYARD_EDGE_ALLOW_HOSTS=127.0.0.1:*,localhost:*\n"));
}
const vars = Object.fromEntries(
  readFileSync(VARS, "utf8")
    .split("\n")
    .filter((line) => line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);
/** The token of the first `tenant=token` pair of a variable. */
const firstToken = (name: string) =>
  String(vars[name] ?? "")
    .split(",")[0]
    ?.split("=")[1] ?? "";

console.log(`
Switchyard (local) — MCP endpoint ${url}/mcp
  development token: ${firstToken("SWITCHYARD_TOKENS")}        (from ${VARS}; delete the file for new ones)
  Claude Code:  claude mcp add --transport http switchyard ${url}/mcp --header "Authorization: Bearer ${firstToken("SWITCHYARD_TOKENS")}"
  runner:       runs codex and claude_code in ${RUNNER_ROOT} (set SWITCHYARD_RUNNER_ROOT to change)
`);

const children: ChildProcess[] = [];
const stop = () => children.forEach((child) => child.kill("SIGINT"));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

const wrangler = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", PORT], { stdio: "inherit" });
children.push(wrangler);
wrangler.on("exit", (code) => {
  stop();
  process.exit(code ?? 0);
});

// The runner dials in once the Worker answers; it reconnects by itself if wrangler restarts.
for (let ready = false; !ready;) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  ready = await fetch(`${url}/health`).then(
    (r) => r.ok,
    () => false,
  );
}
// The dashboard, with a link that signs this browser in once (a fresh one: `npx switchyard dashboard`).
const link = await mintSigninLink(url, firstToken("SWITCHYARD_TOKENS")).catch((error: unknown) => {
  console.error(
    `npm start: no dashboard sign-in link: ${error instanceof Error ? error.message : String(error)}`,
  );
  return undefined;
});
if (link) console.log(`\ndashboard: ${link.dashboard}\n  sign in once (10 min): ${link.url}\n`);
const runner = spawn(
  process.execPath,
  ["runner/bin.ts", "connect", "--url", url, "--name", "local", "--root", RUNNER_ROOT],
  {
    stdio: "inherit",
    env: { ...process.env, SWITCHYARD_RUNNER_TOKEN: firstToken("SWITCHYARD_RUNNER_TOKENS") },
  },
);
children.push(runner);
