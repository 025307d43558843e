// The edge backends a RunObject can drive, built with the egress guard around their fetch.
import type { Env } from "../env.ts";
import { parseAllowHosts } from "../egress/allow-list.ts";
import { createGuardedFetch } from "../egress/guarded-fetch.ts";
import type { EdgeBackend } from "../../shared/backends/backend.ts";
import { createOpenAiCompatibleBackend } from "../../shared/backends/openai-compatible.ts";
import { createRemoteA2aBackend } from "./remote-a2a.ts";

export function edgeBackendFor(name: string, env: Env): EdgeBackend | undefined {
  const fetch = createGuardedFetch(parseAllowHosts(env.SWITCHYARD_EDGE_ALLOW_HOSTS));
  switch (name) {
    case "remote_a2a":
      return createRemoteA2aBackend({ fetch });
    case "openai_compatible":
      return createOpenAiCompatibleBackend({ fetch });
    default:
      return undefined;
  }
}
