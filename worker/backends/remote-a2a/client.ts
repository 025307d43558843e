// Connecting to a remote A2A agent: resolves its card and builds an @a2a-js/sdk client (A2A 1.0,
// or 0.3 through the SDK's compatibility layer) whose every request carries the run's secret
// headers.
import { AGENT_CARD_PATH } from "@a2a-js/sdk";
import {
  ClientFactory,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  type Client,
} from "@a2a-js/sdk/client";
import { agentRetryMs, sleep } from "./backoff.ts";

/** How long resolving the agent card may take before the agent counts as unreachable (ms). */
const CARD_TIMEOUT_MS = 15_000;

export interface AgentTarget {
  agentUrl: string;
  /** The agent card's URL, on agent_url's origin (`agentCardUrl`). */
  cardUrl: string;
  /** Secret request headers (including `Authorization`), sent on every request to the agent. */
  headers: Record<string, string>;
}

export interface AgentConnection {
  client: Client;
  /** Whether the card offers streaming (else: send, then poll tasks/get). */
  streaming: boolean;
}

/**
 * Where the agent's card is: `cardPath` (default: the well-known path) resolved against `agentUrl`
 * like a link, or undefined when that leaves agent_url's origin (`//host`, `/\\host`, `https://…`).
 */
export function agentCardUrl(agentUrl: string, cardPath: string | undefined): URL | undefined {
  const base = URL.parse(agentUrl);
  const card = base && URL.parse(cardPath ?? AGENT_CARD_PATH, base);
  return card && card.origin === base.origin ? card : undefined;
}

/** A fetch that adds `headers` and, when the caller gave none, the run's abort signal. */
function withHeaders(base: typeof fetch, headers: Record<string, string>, signal: AbortSignal): typeof fetch {
  return (input, init) => {
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(headers)) merged.set(name, value);
    return base(input, { ...init, headers: merged, signal: init?.signal ?? signal });
  };
}

/** Resolves the agent card and creates a client for the transport it offers. */
export async function connectAgent(
  target: AgentTarget,
  base: typeof fetch,
  signal: AbortSignal,
): Promise<AgentConnection> {
  const fetchImpl = withHeaders(base, target.headers, signal);
  const legacyCompat = { enabled: true };
  const resolver = new DefaultAgentCardResolver({
    fetchImpl: withHeaders(
      base,
      target.headers,
      AbortSignal.any([signal, AbortSignal.timeout(CARD_TIMEOUT_MS)]),
    ),
    legacyCompat,
  });
  // Every request below (card, then the endpoint the card names) goes through `base`, the egress guard.
  const card = await resolver.resolve(target.cardUrl, "");
  const factory = new ClientFactory({
    transports: [new JsonRpcTransportFactory({ fetchImpl, legacyCompat })],
    cardResolver: resolver,
  });
  const client = await factory.createFromAgentCard(card);
  return { client, streaming: card.capabilities?.streaming === true };
}

/** `connectAgent`, tried up to `attempts` times with backoff; throws the last error. */
export async function connectAgentRetrying(
  target: AgentTarget,
  base: typeof fetch,
  signal: AbortSignal,
  attempts: number,
): Promise<AgentConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectAgent(target, base, signal);
    } catch (error) {
      if (attempt >= attempts || signal.aborted) throw error;
      await sleep(agentRetryMs(attempt), signal);
    }
  }
}
