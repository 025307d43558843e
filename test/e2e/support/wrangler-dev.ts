// Starts `wrangler dev` on a free loopback port with its own persisted state, for end-to-end
// tests and the benchmark; can stop and start again on the same state to test restarts.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WranglerDevOptions {
  /** Variables passed with --var (tokens, allowed hosts). */
  vars: Record<string, string>;
  /** Where local Durable Object state lives; a fresh temp dir by default. */
  persistTo?: string;
  /** Port of wrangler's inspector (CPU profiles); any free port by default. */
  inspectorPort?: number;
  /** Further `wrangler dev` flags, e.g. `--log-level warn`. */
  args?: string[];
  /** Extra environment for wrangler, e.g. `X_LOCAL_OBSERVABILITY: "false"`. */
  env?: Record<string, string>;
  /** Another wrangler configuration than ./wrangler.toml. */
  config?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class WranglerDev {
  readonly persistTo: string;
  port = 0;
  #child: ChildProcess | undefined;
  #log = "";

  readonly options: WranglerDevOptions;

  constructor(options: WranglerDevOptions) {
    this.options = options;
    this.persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "switchyard-state-"));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Process id of the `npx wrangler dev` process (the root of its process group), while running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Output so far, for failure messages. */
  get log(): string {
    return this.#log;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    // Every variable is given, so a developer's .dev.vars (from `npm start`) cannot change a test.
    const all = {
      SWITCHYARD_EDGE_ALLOW_HOSTS: "none.invalid",
      SWITCHYARD_RUNNER_TOKENS: "none=none.invalid",
      SWITCHYARD_ALLOWED_HOSTS: "",
      // Every tool result is checked against its advertised output schema (worker/mcp/output-check.ts).
      SWITCHYARD_CHECK_TOOL_OUTPUT: "1",
      ...this.options.vars,
    };
    const vars = Object.entries(all).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
    const child = spawn(
      "npx",
      [
        "wrangler",
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--persist-to",
        this.persistTo,
        "--inspector-port",
        String(this.options.inspectorPort ?? 0),
        "--show-interactive-dev-session=false",
        ...(this.options.config ? ["--config", this.options.config] : []),
        ...(this.options.args ?? []),
        ...vars,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...this.options.env },
      },
    );
    this.#child = child;
    child.stdout!.on("data", (d) => (this.#log += d));
    child.stderr!.on("data", (d) => (this.#log += d));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${this.#log}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.ok) return;
      } catch {
        // Not listening yet: wrangler is still building.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`wrangler dev did not answer /health within 60 s:\n${this.#log}`);
  }

  /** Stops wrangler and everything it started (it runs in its own process group). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid!, "SIGTERM");
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
    this.#child = undefined;
  }
}
