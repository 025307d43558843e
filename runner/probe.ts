// Which local agents can run on this machine: finds the executable each SDK would start, asks it for
// `--version`, and checks whether credentials look configured (by presence only; secrets are never
// read). Reporting to the Worker is the link's job; choosing a runner is the Worker's.
import { execFile } from "node:child_process";
import { access, constants, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { errorMessage } from "../shared/backends/error-text.ts";

export type LocalBackend = "codex" | "claude_code";

export interface ProbeResult {
  backend: LocalBackend | "openai_compatible";
  installed: boolean;
  version?: string;
  executable?: string;
  credentials: "configured" | "missing" | "unknown";
  detail?: string;
}

export interface ProbeOptions {
  /** Environment to judge by: PATH for the fallback lookup, HOME and the credential variables. */
  env?: Record<string, string | undefined>;
  /** Executables to use instead of looking them up (as configured for the adapters). */
  executables?: Partial<Record<LocalBackend, string>>;
  /** Whether to look at the executables the SDK packages ship; tests turn it off. */
  useBundled?: boolean;
  /** Limit for `--version` (ms). */
  timeoutMs?: number;
}

interface BackendSpec {
  backend: LocalBackend;
  /** Name on PATH when the SDK's own package has no binary for this platform. */
  command: string;
  bundled: () => Promise<string | undefined>;
  credentials: (env: Record<string, string | undefined>) => Promise<ProbeResult["credentials"]>;
}

const SPECS: BackendSpec[] = [
  { backend: "codex", command: "codex", bundled: bundledCodex, credentials: codexCredentials },
  { backend: "claude_code", command: "claude", bundled: bundledClaude, credentials: claudeCredentials },
];

/**
 * openai_compatible needs no executable: the runner itself speaks HTTP to the endpoint (Ollama on
 * localhost, say), whose key, if any, comes with each run.
 */
const OPENAI_COMPATIBLE: ProbeResult = {
  backend: "openai_compatible",
  installed: true,
  credentials: "unknown",
  detail: "built in: endpoints reachable from this machine",
};

/**
 * Executables named by SWITCHYARD_CODEX_PATH / SWITCHYARD_CLAUDE_PATH, which take the place of the
 * ones the SDK packages ship (the adapters start the same ones; see local-agents.ts).
 */
export function executablesFromEnv(
  env: Record<string, string | undefined>,
): Partial<Record<LocalBackend, string>> {
  return {
    ...(env.SWITCHYARD_CODEX_PATH ? { codex: env.SWITCHYARD_CODEX_PATH } : {}),
    ...(env.SWITCHYARD_CLAUDE_PATH ? { claude_code: env.SWITCHYARD_CLAUDE_PATH } : {}),
  };
}

/** How a probed backend stands on this machine, in the words list_available_backends uses. */
export function availabilityOf(result: ProbeResult): "available" | "reachable" | "unavailable" {
  if (!result.installed) return "unavailable";
  return result.credentials === "missing" ? "reachable" : "available";
}

export async function probeBackends(options: ProbeOptions = {}): Promise<ProbeResult[]> {
  return [...(await Promise.all(SPECS.map((spec) => probeOne(spec, options)))), OPENAI_COMPATIBLE];
}

async function probeOne(spec: BackendSpec, options: ProbeOptions): Promise<ProbeResult> {
  const { env = process.env, useBundled = true, timeoutMs = 5000 } = options;
  const credentials = await spec.credentials(env);
  const executable =
    options.executables?.[spec.backend] ??
    executablesFromEnv(env)[spec.backend] ??
    (useBundled ? await spec.bundled() : undefined) ??
    (await findOnPath(spec.command, env.PATH));
  if (!executable) {
    return {
      backend: spec.backend,
      installed: false,
      credentials,
      detail: `no ${spec.command} executable found`,
    };
  }
  try {
    const version = await versionOf(executable, env, timeoutMs);
    return { backend: spec.backend, installed: true, version, executable, credentials };
  } catch (error) {
    const detail = `${executable} --version failed: ${errorMessage(error)}`;
    return { backend: spec.backend, installed: false, executable, credentials, detail };
  }
}

function versionOf(
  executable: string,
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      executable,
      ["--version"],
      { env, timeout: timeoutMs, killSignal: "SIGKILL" },
      (error, stdout) => {
        if (error) return reject(error);
        const line = stdout.trim().split("\n")[0]?.trim();
        return line ? resolve(line) : reject(new Error("printed no version"));
      },
    );
  });
}

async function findOnPath(command: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Mirrors @openai/codex-sdk's lookup: @openai/codex → its platform package → vendor/<target>/…/codex. */
async function bundledCodex(): Promise<string | undefined> {
  const vendor = resolveFrom(import.meta.url, "@openai/codex/package.json", (codex) =>
    resolveFrom(codex, `@openai/codex-${process.platform}-${process.arch}/package.json`, (pkg) =>
      join(dirname(pkg), "vendor"),
    ),
  );
  if (!vendor) return undefined;
  const binary = process.platform === "win32" ? "codex.exe" : "codex";
  for (const target of await readdir(vendor).catch(() => [] as string[])) {
    for (const candidate of [join(vendor, target, "bin", binary), join(vendor, target, "codex", binary)]) {
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Mirrors @anthropic-ai/claude-agent-sdk's lookup of the Claude Code binary in its platform package. */
async function bundledClaude(): Promise<string | undefined> {
  const sdk = import.meta.resolve("@anthropic-ai/claude-agent-sdk");
  const base = `@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}`;
  const binary = process.platform === "win32" ? "claude.exe" : "claude";
  for (const pkg of [base, `${base}-musl`]) {
    const candidate = resolveFrom(sdk, `${pkg}/${binary}`, (file) => file);
    if (candidate && (await isExecutable(candidate))) return candidate;
  }
  return undefined;
}

function resolveFrom<T>(
  from: string,
  specifier: string,
  then: (resolved: string) => T | undefined,
): T | undefined {
  try {
    return then(createRequire(from).resolve(specifier));
  } catch {
    return undefined; // not installed (optional platform packages are often absent)
  }
}

/** An API key in the environment, or a login saved by `codex login`. */
async function codexCredentials(
  env: Record<string, string | undefined>,
): Promise<ProbeResult["credentials"]> {
  if (env.OPENAI_API_KEY || env.CODEX_API_KEY) return "configured";
  const home = env.CODEX_HOME ?? join(homeOf(env), ".codex");
  if (await exists(join(home, "auth.json"))) return "configured";
  // A config.toml may name another provider (a local model, a key in some other variable).
  return (await exists(join(home, "config.toml"))) ? "unknown" : "missing";
}

/** An API key or token in the environment, a cloud provider switch, or a saved `claude` login. */
async function claudeCredentials(
  env: Record<string, string | undefined>,
): Promise<ProbeResult["credentials"]> {
  if (env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN || env.CLAUDE_CODE_OAUTH_TOKEN) return "configured";
  // Bedrock/Vertex take the cloud's own credentials, which are not ours to inspect.
  if (env.CLAUDE_CODE_USE_BEDROCK || env.CLAUDE_CODE_USE_VERTEX) return "unknown";
  const configDir = env.CLAUDE_CONFIG_DIR ?? join(homeOf(env), ".claude");
  if (await exists(join(configDir, ".credentials.json"))) return "configured";
  // On macOS the login lives in the Keychain.
  return process.platform === "darwin" ? "unknown" : "missing";
}

function homeOf(env: Record<string, string | undefined>): string {
  return env.HOME ?? env.USERPROFILE ?? homedir();
}

const exists = (path: string) =>
  access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
const isExecutable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
