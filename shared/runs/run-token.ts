// Run tokens: the bearer an orchestrating run's agent calls Switchyard's /mcp with. The text names
// the tenant and the run (so the Worker knows which run's object to ask) and carries 32 random
// bytes; the run's object keeps only its SHA-256 and honours it while the run lives.
import type { SecretShape } from "./redact.ts";

/**
 * The tools a run token opens: spawning into the run's tree, following, steering and cancelling
 * what it spawned, and messages between its agent and theirs (the Worker offers no others to it;
 * the runner pre-approves these for the agent).
 */
export const RUN_TOKEN_TOOLS = [
  "spawn_run",
  "get_run",
  "poll_events",
  "watch_runs",
  "wait_runs",
  "continue_run",
  "cancel_run",
  "list_runs",
  "get_event_artifact",
  "send_agent_message",
  "fetch_agent_messages",
  "list_agents",
] as const;

/** The dispatch secret that carries a run's token to its runner (and nowhere else). */
export const RUN_TOKEN_SECRET = "switchyard_run_token";

/** `syrun~<tenant>~<run_id>~<43 base64url characters>`; tenant and run id as the Worker spells them. */
const RUN_TOKEN_SOURCE = String.raw`syrun~([A-Za-z0-9_.-]{1,64})~(run_[0-9a-z]{21})~([A-Za-z0-9_-]{43})`;
const RUN_TOKEN_EXACT = new RegExp(`^${RUN_TOKEN_SOURCE}$`);

export interface RunTokenParts {
  tenant: string;
  run_id: string;
}

export function formatRunToken(parts: RunTokenParts, secret: string): string {
  return `syrun~${parts.tenant}~${parts.run_id}~${secret}`;
}

/** The tenant and run a token names, or undefined for any other bearer. */
export function parseRunToken(token: string | undefined): RunTokenParts | undefined {
  const match = RUN_TOKEN_EXACT.exec(token ?? "");
  return match ? { tenant: match[1]!, run_id: match[2]! } : undefined;
}

/** Run tokens as redaction knows them: by shape, since the Worker never keeps one's value. */
export const RUN_TOKEN_SHAPE: SecretShape = {
  regex: new RegExp(RUN_TOKEN_SOURCE, "g"),
  prefix: "syrun~",
  maxLength: "syrun~".length + 64 + 1 + 25 + 1 + 43,
};

/** Whether a run's backend_config asks for Switchyard as its agent's MCP server (`orchestration: true`). */
export const orchestrates = (config: Record<string, unknown>): boolean => config.orchestration === true;
