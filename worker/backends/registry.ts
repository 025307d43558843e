// The backends Switchyard knows: canonical names, accepted aliases, where each runs, its
// backend_config schema and which of those keys are secrets. Choosing where a run goes lives here.
import { z } from "zod";
import type { AllowList } from "../egress/allow-list.ts";
import { isEdgeReachable } from "../egress/policy.ts";
import { badRequest } from "../../shared/errors.ts";
import {
  ClaudeCodeConfigSchema,
  CodexConfigSchema,
  parseAgentConfig,
} from "../../shared/backends/agent-configs.ts";
import {
  OPENAI_COMPATIBLE_SECRET_KEYS,
  OpenAiCompatibleConfigSchema,
} from "../../shared/backends/openai-compatible.ts";
import { REMOTE_A2A_SECRET_KEYS, RemoteA2aConfigSchema } from "./remote-a2a.ts";

export const BACKEND_NAMES = ["remote_a2a", "codex", "claude_code", "openai_compatible"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendDescriptor {
  name: BackendName;
  aliases: readonly string[];
  /**
   * `edge`: driven by the run's Durable Object; `runner`: by a connected runner; `edge_or_runner`:
   * at the edge unless its URL is one the edge may not reach, or a runner was asked for.
   */
  placement: "edge" | "runner" | "edge_or_runner";
  configSchema: z.ZodObject;
  secretKeys: readonly string[];
  /** The config key holding a URL the edge itself will fetch; checked against the egress policy. */
  edgeUrlField?: string;
  capabilities: Capabilities;
}

export interface Capabilities {
  streaming: boolean;
  resume: boolean;
  continue: boolean;
  cancel: boolean;
  structured_output: boolean;
}

const ALL: Capabilities = {
  streaming: true,
  resume: true,
  continue: true,
  cancel: true,
  structured_output: true,
};

/** Keys every runner backend understands: which runner takes the run (runners/placement.ts). */
/** Labels a run (or a lane) asks its runner to have announced, each equal. */
export const RunnerLabelsSchema = z
  .record(z.string().max(64), z.string().max(256))
  .refine((labels) => Object.keys(labels).length <= 32, "expected at most 32 labels");

const RunnerPickSchema = {
  runner: z.string().min(1).max(128).optional(),
  runner_labels: RunnerLabelsSchema.optional(),
};

const DESCRIPTORS: Record<BackendName, BackendDescriptor> = {
  remote_a2a: {
    name: "remote_a2a",
    aliases: [],
    placement: "edge",
    configSchema: RemoteA2aConfigSchema,
    secretKeys: REMOTE_A2A_SECRET_KEYS,
    edgeUrlField: "agent_url",
    capabilities: ALL,
  },
  codex: {
    name: "codex",
    aliases: ["codex-cli", "codex-subagent"],
    placement: "runner",
    configSchema: z.strictObject({ ...CodexConfigSchema.shape, ...RunnerPickSchema }),
    secretKeys: [],
    capabilities: ALL,
  },
  claude_code: {
    name: "claude_code",
    aliases: ["claude-code"],
    placement: "runner",
    configSchema: z.strictObject({ ...ClaudeCodeConfigSchema.shape, ...RunnerPickSchema }),
    secretKeys: [],
    capabilities: ALL,
  },
  openai_compatible: {
    name: "openai_compatible",
    aliases: ["local-model-openai"],
    placement: "edge_or_runner",
    configSchema: OpenAiCompatibleConfigSchema,
    secretKeys: OPENAI_COMPATIBLE_SECRET_KEYS,
    edgeUrlField: "base_url",
    capabilities: ALL,
  },
};

const BY_NAME = new Map<string, BackendDescriptor>(
  Object.values(DESCRIPTORS).flatMap((d) => [d.name, ...d.aliases].map((n) => [n, d] as const)),
);

export const BACKENDS: readonly BackendDescriptor[] = Object.values(DESCRIPTORS);

/** Every accepted spelling, for schemas and error messages. */
export const ACCEPTED_BACKEND_NAMES: readonly string[] = [...BY_NAME.keys()];

/** Resolves a backend name or alias; unknown names are a bad_request naming the choices. */
export function resolveBackend(name: string): BackendDescriptor {
  const found = BY_NAME.get(name);
  if (!found)
    throw badRequest("backend", `expected one of ${ACCEPTED_BACKEND_NAMES.join(", ")}; got "${name}"`);
  return found;
}

export interface SplitConfig {
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
}

/**
 * Validates backend_config against the backend's schema and splits off its secrets, which
 * travel only to the run's private storage, never into what is stored or shown.
 */
export function parseBackendConfig(backend: BackendDescriptor, raw: unknown): SplitConfig {
  const parsed = parseAgentConfig(backend.configSchema, raw ?? {}) as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value === undefined) continue;
    (backend.secretKeys.includes(key) ? secrets : config)[key] = value;
  }
  return { config, secrets };
}

/**
 * Where a run of this backend executes, given its validated public config. The edge never
 * fetches what its egress policy refuses (loopback, private, …): such endpoints go to a runner
 * on that network.
 */
export function placeRun(
  backend: BackendDescriptor,
  config: Record<string, unknown>,
  allowHosts: AllowList,
): "edge" | "runner" {
  if (backend.placement !== "edge_or_runner") return backend.placement;
  if (config.runner !== undefined || config.runner_labels !== undefined) return "runner";
  const url = backend.edgeUrlField ? config[backend.edgeUrlField] : undefined;
  return typeof url === "string" && !isEdgeReachable(url, allowHosts) ? "runner" : "edge";
}
