// The remote_a2a edge backend: drives a remote A2A agent (1.0, or 0.3 via the SDK's compatibility
// layer) from the run's Durable Object. Its backend_config schema lives here; connecting is in
// remote-a2a/client.ts, following a task in remote-a2a/follow.ts, event mapping in remote-a2a/tracker.ts.
import { TaskNotCancelableError } from "@a2a-js/sdk/errors";
import { z } from "zod";
import { SwitchyardError } from "../../shared/errors.ts";
import { fieldsOf } from "../../shared/runs/fields-of.ts";
import type { InputMessage } from "../../shared/runs/messages.ts";
import {
  runFailed,
  type BackendOutput,
  type BackendRun,
  type BackendStream,
  type EdgeBackend,
} from "../../shared/backends/backend.ts";
import { endpointUrl, secretCredential, SecretHeadersSchema } from "../../shared/backends/config-fields.ts";
import { describeError } from "../../shared/backends/error-text.ts";
import {
  agentCardUrl,
  connectAgent,
  connectAgentRetrying,
  type AgentConnection,
} from "./remote-a2a/client.ts";
import { A2aFollower, MAX_RECOVERY_ATTEMPTS } from "./remote-a2a/follow.ts";
import { toA2aMessage } from "./remote-a2a/parts.ts";
import { A2aTracker } from "./remote-a2a/tracker.ts";

/** How long a cancel request may take before it counts as failed (ms). */
const CANCEL_TIMEOUT_MS = 10_000;
const ConfigShape = z.strictObject({
  /** Base URL of the agent; its card is at `<agent_url>/.well-known/agent-card.json` unless `agent_card_path` says otherwise. */
  agent_url: endpointUrl("auth_token or headers"),
  /** Card location relative to agent_url, resolved like a link; "" means agent_url is the card. */
  agent_card_path: z.string().max(512).optional(),
  /** Secret: extra request headers for every call to the agent. */
  headers: SecretHeadersSchema,
  /** Secret: sent as `Authorization: Bearer <auth_token>`. */
  auth_token: secretCredential("token"),
  /** How many history messages the agent should return with a task. */
  history_length: z.number().int().min(0).max(1000).optional(),
});

export const RemoteA2aConfigSchema = ConfigShape.superRefine((c, ctx) => {
  if (c.agent_card_path === undefined || agentCardUrl(c.agent_url, c.agent_card_path)) return;
  ctx.addIssue({
    code: "custom",
    path: ["agent_card_path"],
    message: `expected a path on the agent's own origin (${new URL(c.agent_url).origin}); "${c.agent_card_path}" leads elsewhere`,
  });
});

/** Keys of backend_config that are secrets: kept out of events, records, refs and errors. */
export const REMOTE_A2A_SECRET_KEYS = ["headers", "auth_token"] as const;

const SECRETS = fieldsOf(REMOTE_A2A_SECRET_KEYS, true as const);
const PublicConfigSchema = ConfigShape.omit(SECRETS);
const SecretConfigSchema = ConfigShape.pick(SECRETS);

interface Settings {
  agentUrl: string;
  cardUrl: string;
  historyLength: number | undefined;
  headers: Record<string, string>;
  secretValues: string[];
}

function settingsOf(run: BackendRun): Settings {
  const config = PublicConfigSchema.safeParse(run.config);
  const secrets = SecretConfigSchema.safeParse(run.secrets);
  const cardUrl = config.success && agentCardUrl(config.data.agent_url, config.data.agent_card_path);
  if (!config.success || !secrets.success || !cardUrl) {
    throw new SwitchyardError(
      "backend_failed",
      "backend_config: the stored remote_a2a config no longer validates",
      {
        field: "backend_config",
      },
    );
  }
  const headers = { ...secrets.data.headers };
  if (secrets.data.auth_token) headers.Authorization = `Bearer ${secrets.data.auth_token}`;
  return {
    agentUrl: config.data.agent_url,
    cardUrl: cardUrl.href,
    historyLength: config.data.history_length,
    headers,
    secretValues: [...Object.values(headers), ...(secrets.data.auth_token ? [secrets.data.auth_token] : [])],
  };
}

/**
 * What the agent learns about the run besides the message, under `metadata.switchyard`: where to
 * work, the shape wanted back and standing instructions. A2A has no fields of its own for these.
 */
function switchyardMetadata(run: BackendRun): Record<string, unknown> {
  const s = {
    run_id: run.runId,
    ...(run.cwd ? { cwd: run.cwd } : {}),
    ...(run.outputSchema ? { output_schema: run.outputSchema } : {}),
    ...(run.profileText ? { profile: run.profileText } : {}),
    ...(run.metadata && Object.keys(run.metadata).length ? { metadata: run.metadata } : {}),
  };
  return { switchyard: s };
}

/** Creates the backend; `fetch` is what every request to agents goes through (egress guard, tests). */
export function createRemoteA2aBackend(options: { fetch?: typeof fetch } = {}): EdgeBackend {
  // Wrapped so workerd never sees `fetch` invoked as a method of an SDK object ("Illegal invocation").
  const base: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));

  /** Connects (retrying when `retryConnect`), then runs `body` with a follower; every failure becomes `run_failed`. */
  async function* drive(
    run: BackendRun,
    signal: AbortSignal,
    retryConnect: boolean,
    body: (follower: A2aFollower, s: Settings) => BackendStream,
  ): BackendStream {
    let s: Settings | undefined;
    try {
      s = settingsOf(run);
      const settings = s;
      const describe = (error: unknown) => describeError(error, settings.secretValues);
      let connection: AgentConnection;
      try {
        // Recovery keeps trying through a short outage; a new message fails fast instead.
        connection = await connectAgentRetrying(s, base, signal, retryConnect ? MAX_RECOVERY_ATTEMPTS : 1);
      } catch (error) {
        if (!signal.aborted)
          yield runFailed(
            "backend_failed",
            `remote A2A agent ${s.agentUrl} could not connect: ${describe(error)}`,
          );
        return;
      }
      const tracker = new A2aTracker(run.checkpoint);
      tracker.noteIds(run.ref.task_id, run.ref.context_id);
      const follower = new A2aFollower({
        client: connection.client,
        streaming: connection.streaming,
        tracker,
        agentUrl: s.agentUrl,
        historyLength: s.historyLength,
        signal,
        describe,
      });
      return yield* body(follower, s);
    } catch (error) {
      if (signal.aborted) return;
      const where = s ? `remote A2A agent ${s.agentUrl}: ` : "";
      yield runFailed("backend_failed", `${where}${describeError(error, s?.secretValues ?? [])}`);
    }
  }

  return {
    start(run, signal) {
      return drive(run, signal, false, (follower, s) => {
        // `session_mode: resume` continues the A2A context of the session's latest run on this agent.
        const session = run.sessionRef;
        const sameAgent = session && (session.agent_url === undefined || session.agent_url === s.agentUrl);
        return follower.send(
          toA2aMessage(
            run.message,
            { contextId: sameAgent ? session.context_id : undefined },
            switchyardMetadata(run),
          ),
        );
      });
    },

    continue(run, message: InputMessage, signal) {
      return drive(run, signal, false, (follower) =>
        follower.send(toA2aMessage(message, { taskId: run.ref.task_id, contextId: run.ref.context_id })),
      );
    },

    recover(run, signal) {
      return drive(run, signal, true, (follower) => follower.recover());
    },

    async cancel(run) {
      const taskId = run.ref.task_id;
      if (!taskId) return;
      const s = settingsOf(run);
      const signal = AbortSignal.timeout(CANCEL_TIMEOUT_MS);
      try {
        const { client } = await connectAgent(s, base, signal);
        await client.cancelTask({ tenant: "", id: taskId, metadata: undefined }, { signal });
      } catch (error) {
        // A task that already finished cannot be cancelled, and needs not be.
        if (error instanceof TaskNotCancelableError) return;
        throw new SwitchyardError(
          "backend_failed",
          `remote A2A agent ${s.agentUrl}: cancelling task ${taskId} failed: ${describeError(error, s.secretValues)}`,
          { cause: error },
        );
      }
    },
  };
}
