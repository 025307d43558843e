// `switchyard-runner serve-a2a`: one local agent behind an A2A server on this machine. Wires the
// context table, the executor and the SDK's request handler to the HTTP layer, and says how to reach
// it: the agent_url and a spawn_run payload for Switchyard's remote_a2a backend.
import { randomBytes } from "node:crypto";
import { DefaultRequestHandler, InMemoryTaskStore } from "@a2a-js/sdk/server";
import type { LocalAgent } from "../agents/agent.ts";
import { guardAgentsAfterExit, reapOrphans } from "../agents/process-reaper.ts";
import { resolveRoots } from "../roots.ts";
import { servedAgentCard } from "./card.ts";
import { ContextTable } from "./contexts.ts";
import { ServedAgentExecutor } from "./executor.ts";
import { listenA2a } from "./http.ts";

export interface ServeA2aConfig {
  /** Backend name of the agent (`codex`, `claude_code`), for the card and the log. */
  agent: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Directories a context may work in, at or below; the first is the default cwd. */
  roots: string[];
  /** Bearer token callers must send; a random one when not given. */
  token?: string;
}

export interface ServeA2aDeps {
  /** Builds the agent for one turn; its processes carry `marker` (process-reaper.ts). */
  agentOf: (marker: string) => LocalAgent;
  log?: (line: string) => void;
}

export interface ServeA2aHandle {
  agentUrl: string;
  /** Ends every running turn (and its processes), then stops listening. */
  close(): Promise<void>;
}

export async function startServeA2a(config: ServeA2aConfig, deps: ServeA2aDeps): Promise<ServeA2aHandle> {
  const { log = console.log } = deps;
  const realRoots = await resolveRoots(config.roots);
  guardAgentsAfterExit();
  await reapOrphans();
  const token = config.token ?? `sy_a2a_${randomBytes(24).toString("base64url")}`;
  const executor = new ServedAgentExecutor(deps.agentOf, new ContextTable(realRoots), log);
  const { server, baseUrl } = await listenA2a({ token, host: config.host, port: config.port }, (url) => {
    const card = servedAgentCard(config.agent, url);
    return { card, requestHandler: new DefaultRequestHandler(card, new InMemoryTaskStore(), executor) };
  });
  log(`serving ${config.agent} over A2A at ${baseUrl} (contexts work under ${realRoots.join(", ")})`);
  log(`agent_url ${baseUrl}`);
  log(`spawn_run ${JSON.stringify(spawnRunPayload(config.agent, baseUrl, token, realRoots[0]!))}`);
  return {
    agentUrl: baseUrl,
    close: async () => {
      await executor.stopAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A ready-to-paste spawn_run for Switchyard's remote_a2a backend, working in `cwd`. */
export function spawnRunPayload(agent: string, agentUrl: string, token: string, cwd: string) {
  return {
    backend: "remote_a2a",
    prompt: `Describe what is in this directory (${agent} over A2A).`,
    cwd,
    backend_config: { agent_url: agentUrl, auth_token: token },
  };
}
