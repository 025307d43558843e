// The openai_compatible backend (alias local-model-openai): chat turns against any OpenAI-compatible
// /chat/completions endpoint. Its backend_config schema lives here; one turn is openai-compatible/turn.ts.
// Imports neither node:* nor cloudflare:*: the runner runs this same code for loopback endpoints.
import { z } from "zod";
import { fieldsOf } from "../runs/fields-of.ts";
import { toPlainText, type InputMessage } from "../runs/messages.ts";
import { endpointUrl, secretCredential, SecretHeadersSchema } from "./config-fields.ts";
import { emit, runFailed, type BackendOutput, type BackendRun, type EdgeBackend } from "./backend.ts";
import { runTurn, type Endpoint } from "./openai-compatible/turn.ts";
import { conversationOf, fitConversation } from "./openai-compatible/wire.ts";

export const OpenAiCompatibleConfigSchema = z.strictObject({
  /** API root that `/chat/completions` is appended to, e.g. `https://api.example.com/v1`. */
  base_url: endpointUrl("api_key or headers"),
  model: z.string().min(1).max(256),
  /** Secret: sent as `Authorization: Bearer <api_key>`. */
  api_key: secretCredential("key"),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  /** Secret: extra request headers for every call to the endpoint. */
  headers: SecretHeadersSchema,
  /** Which runner takes the run when it goes to one (runners/placement.ts); the adapter ignores both. */
  runner: z.string().min(1).max(128).optional(),
  runner_labels: z.record(z.string(), z.string()).optional(),
});

/** Keys of backend_config that are secrets: kept out of events, records, refs and errors. */
export const OPENAI_COMPATIBLE_SECRET_KEYS = ["api_key", "headers"] as const;

const SECRETS = fieldsOf(OPENAI_COMPATIBLE_SECRET_KEYS, true as const);
const PublicConfigSchema = OpenAiCompatibleConfigSchema.omit(SECRETS);
const SecretConfigSchema = OpenAiCompatibleConfigSchema.pick(SECRETS);

/** The run's endpoint, or undefined when its stored config no longer validates. */
function endpointOf(run: BackendRun): Endpoint | undefined {
  const config = PublicConfigSchema.safeParse(run.config);
  const secrets = SecretConfigSchema.safeParse(run.secrets);
  if (!config.success || !secrets.success) return undefined;
  const url = new URL(config.data.base_url);
  // Appended to the path so a query (Azure's api-version) stays where it was.
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/chat/completions`;
  const headers = { ...secrets.data.headers };
  if (secrets.data.api_key) headers.Authorization = `Bearer ${secrets.data.api_key}`;
  return {
    url: url.toString(),
    host: url.host,
    model: config.data.model,
    temperature: config.data.temperature,
    maxTokens: config.data.max_tokens,
    headers,
    secretValues: [...Object.values(headers), ...(secrets.data.api_key ? [secrets.data.api_key] : [])],
  };
}

const invalidConfig = () =>
  runFailed("backend_failed", "backend_config: the stored openai_compatible config no longer validates");

/**
 * Creates the backend. `fetch` carries every request (egress guard, tests); `now` is the clock in ms
 * used for coalescing partial messages and turn durations.
 */
export function createOpenAiCompatibleBackend(
  options: { fetch?: typeof fetch; now?: () => number } = {},
): EdgeBackend {
  // Wrapped so workerd never sees `fetch` invoked as a method of another object ("Illegal invocation").
  const base: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? (() => Date.now());

  /** One turn of the conversation held in the run's checkpoint, answering `message`. */
  function turn(run: BackendRun, endpoint: Endpoint, message: InputMessage, signal: AbortSignal) {
    return runTurn({
      endpoint,
      system: run.profileText,
      messages: fitConversation([
        ...conversationOf(run.checkpoint),
        { role: "user", content: toPlainText(message) },
      ]),
      outputSchema: run.outputSchema,
      fetch: base,
      signal,
      now,
    });
  }

  return {
    async *start(run, signal): AsyncGenerator<BackendOutput> {
      const endpoint = endpointOf(run);
      if (!endpoint) {
        yield invalidConfig();
        return;
      }
      yield emit("run_started", { model: endpoint.model });
      yield* turn(run, endpoint, run.message, signal);
    },

    async *continue(run, message, signal): AsyncGenerator<BackendOutput> {
      const endpoint = endpointOf(run);
      if (!endpoint) {
        yield invalidConfig();
        return;
      }
      yield* turn(run, endpoint, message, signal);
    },

    async *recover(run): AsyncGenerator<BackendOutput> {
      // A finished turn is checkpointed with the model's answer last; anything else was cut off.
      if (conversationOf(run.checkpoint).at(-1)?.role === "assistant") return;
      yield runFailed("backend_failed", "the model stream was interrupted and cannot be resumed");
    },

    async cancel() {
      // Nothing to tell the endpoint: the caller aborts the run's signal, which aborts the request.
    },
  };
}
