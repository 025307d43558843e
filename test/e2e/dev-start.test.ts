// `npm start` (scripts/dev.ts) when its port is taken: a second start in the same directory exits 1
// saying Switchyard already serves that URL, and the first keeps serving with its runner connected;
// a port held by something else is named as such. Neither touches .dev.vars.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, describe, expect, it } from "vitest";
import { callOk, connectHttp } from "./support/mcp-http.ts";
import { freePort } from "./support/wrangler-dev.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

const checkouts: string[] = [];

/** A directory laid out like a checkout (sources linked, not copied), with state of its own. */
function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-dev-start-"));
  checkouts.push(dir);
  for (const name of ["shared", "worker", "runner", "scripts", "cli", "dashboard", "node_modules"])
    symlinkSync(join(REPO, name), join(dir, name));
  for (const name of ["wrangler.toml", "package.json"]) copyFileSync(join(REPO, name), join(dir, name));
  return dir;
}

class DevStart {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;

  constructor(dir: string, port: number) {
    this.child = spawn(process.execPath, ["scripts/dev.ts"], {
      cwd: dir,
      // Its own process group: stopping it stops wrangler, workerd and the runner with it.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PORT: String(port), WRANGLER_SEND_METRICS: "false" },
    });
    this.child.stdout!.on("data", (d) => (this.output += d));
    this.child.stderr!.on("data", (d) => (this.output += d));
    this.exited = once(this.child, "exit").then(([code]) => code as number | null);
  }

  async printed(text: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (this.child.exitCode !== null) throw new Error(`npm start exited before "${text}":\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not print "${text}":\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    process.kill(-this.child.pid!, "SIGTERM");
    const timer = setTimeout(() => process.kill(-this.child.pid!, "SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

const started: DevStart[] = [];
const servers: Server[] = [];
let client: Client | undefined;
afterAll(async () => {
  await client?.close();
  await Promise.all(started.map((s) => s.stop()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const dir of checkouts) rmSync(dir, { recursive: true, force: true });
});

describe("npm start on a taken port", () => {
  it("a second start exits 1 naming the running Switchyard; the first keeps serving, its runner connected", async () => {
    const dir = checkout();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // A .dev.vars an earlier version wrote: its bare loopback allow entries now mean ports 80 and 443
    // only, so the start brings them to every port, keeping the tokens.
    const vars = join(dir, ".dev.vars");
    const tokens =
      "SWITCHYARD_TOKENS=dev=sy_dev_earlier0123456789\nSWITCHYARD_RUNNER_TOKENS=dev=sy_runner_earlier0123456789\n";
    writeFileSync(vars, `${tokens}SWITCHYARD_EDGE_ALLOW_HOSTS=127.0.0.1,localhost\n`);
    const first = new DevStart(dir, port);
    started.push(first);
    await first.printed(`connected to ${url} as local`);
    const before = { text: readFileSync(vars, "utf8"), mtime: statSync(vars).mtimeMs };
    expect(before.text).toBe(`${tokens}SWITCHYARD_EDGE_ALLOW_HOSTS=127.0.0.1:*,localhost:*\n`);

    const second = new DevStart(dir, port);
    started.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output).toContain(
      `npm start: Switchyard is already running at ${url} (another npm start?)`,
    );
    expect(second.output).toMatch(/start another on a free port with PORT=\d+ npm start/);
    expect(second.output).not.toContain("wrangler");
    expect({ text: readFileSync(vars, "utf8"), mtime: statSync(vars).mtimeMs }).toEqual(before);

    const token = /^SWITCHYARD_TOKENS=dev=(\S+)$/m.exec(before.text)![1]!;
    client = await connectHttp(url, token);
    const listed = await callOk(client, "list_available_backends", { probe: true });
    const codex = listed.backends.find((b: { backend: string }) => b.backend === "codex");
    expect(codex.runners.map((r: { runner: string }) => r.runner)).toEqual(["local"]);
    expect(first.output).not.toMatch(/link lost|stopping:/);

    // It printed the dashboard and a link that signs a browser in once.
    expect(first.output).toContain(`dashboard: ${url}/`);
    const link = new RegExp(`sign in once \\(10 min\\): (${url}/dashboard/signin/once\\?code=dev~\\S+)`).exec(
      first.output,
    )?.[1];
    expect(link, first.output).toBeDefined();
    const signedIn = await fetch(link!, { redirect: "manual" });
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).toBe("/");
    const cookie = signedIn.headers.get("set-cookie")!.split(";")[0]!;
    expect(cookie).toMatch(/^sy_session=dev~/);
    const session = await fetch(`${url}/dashboard/session`, { headers: { cookie } });
    expect(((await session.json()) as { tenant: string }).tenant).toBe("dev");
    const again = await fetch(link!, { redirect: "manual" });
    expect(again.headers.get("location")).toBe("/signin?error=link_used");
    expect(first.child.exitCode).toBeNull();
  });

  it("a port held by something else is named as such, and nothing is written", async () => {
    const dir = checkout();
    const server = createServer((_req, res) => res.writeHead(404).end("not here"));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const start = new DevStart(dir, port);
    started.push(start);
    expect(await start.exited).toBe(1);
    expect(start.output).toContain(
      `npm start: port ${port} on 127.0.0.1 is in use by something else (not Switchyard)`,
    );
    expect(existsSync(join(dir, ".dev.vars"))).toBe(false);
    expect(existsSync(join(dir, ".wrangler"))).toBe(false);
  });
});
