// Flags shared by every command and the parsing of argv into them: strict, so a mistyped flag is
// one clear line (exit 2, main.ts) rather than a silently ignored option.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { isLoopbackHostname } from "../shared/loopback.ts";

/** Bad usage: main.ts prints the message on one line and exits with code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Where to reach Switchyard, on every command. */
const CONNECTION = {
  url: { type: "string" },
  token: { type: "string" },
} as const satisfies Options;

/** Flags of the commands that follow a run's events (tail, and spawn/continue with --follow). */
export const FOLLOW = {
  json: { type: "boolean" },
  "exit-on-input": { type: "boolean" },
} as const satisfies Options;

/** The command's flags and positionals; parseArgs' own messages already name the flag. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...CONNECTION, ...options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) throw error;
    // parseArgs appends a paragraph on `--` to unknown options; the first sentence says it all.
    const first = (error as Error).message.split(". ")[0]!.replace(/\.$/, "");
    throw new UsageError(`${command}: ${first}`);
  }
}

/** Exactly the positionals `names` (e.g. RUN), or a usage error naming what is missing or extra. */
export function positionals(command: string, given: string[], names: string[]): string[] {
  if (given.length < names.length) throw new UsageError(`${command}: expected ${names.join(" ")}`);
  if (given.length > names.length)
    throw new UsageError(`${command}: unexpected argument "${given[names.length]}"`);
  return given;
}

/** A whole number within [min, max] given as `flag`, or undefined when the flag is absent. */
export function wholeNumber(flag: string, raw: string | undefined, min: number, max: number) {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw new UsageError(`--${flag}: expected a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** The endpoint and token: flags first, then SWITCHYARD_URL / SWITCHYARD_TOKEN. */
export function connectionOf(
  values: { url?: string; token?: string },
  env: Record<string, string | undefined>,
): { url: URL; token: string } {
  const raw = values.url ?? env.SWITCHYARD_URL;
  const token = values.token ?? env.SWITCHYARD_TOKEN;
  if (!raw) throw new UsageError("--url is required (or set SWITCHYARD_URL)");
  if (!token) throw new UsageError("--token is required (or set SWITCHYARD_TOKEN)");
  const url = URL.parse(raw);
  if (!url || !["http:", "https:"].includes(url.protocol))
    throw new UsageError(`--url: expected an http(s):// URL, got "${raw}"`);
  // The token is a bearer credential: unencrypted only to this machine.
  if (url.protocol === "http:" && !isLoopbackHostname(url.hostname))
    throw new UsageError(`--url: expected https:// (http:// only for localhost), got "${raw}"`);
  // Both the deployment's base URL and its /mcp endpoint are accepted.
  if (!url.pathname.endsWith("/mcp")) url.pathname = `${url.pathname.replace(/\/+$/, "")}/mcp`;
  return { url, token };
}
