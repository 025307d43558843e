// The Worker's bindings, declared once.
import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { RunObject } from "./objects/run-object.ts";
import type { RunnerObject } from "./objects/runner-object.ts";
import type { TenantObject } from "./objects/tenant-object.ts";

export interface Env {
  RUNS: DurableObjectNamespace<RunObject>;
  TENANTS: DurableObjectNamespace<TenantObject>;
  /** One per runner, named `<tenant>/<runner name>`: the runner's link (objects/runner-object.ts). */
  RUNNERS: DurableObjectNamespace<RunnerObject>;
  /** The OAuth provider's storage: clients, grants, hashed tokens (auth/oauth.ts). */
  OAUTH_KV: KVNamespace;
  /** Set by the OAuth provider on the requests it hands to the app (the consent page uses it). */
  OAUTH_PROVIDER?: OAuthHelpers;
  /** Set by auth/oauth.ts on the requests it hands to the app: the provider's token endpoint, called in-process. */
  OAUTH_TOKEN_ENDPOINT?: (request: Request) => Promise<Response>;
  /** The dashboard's single-page app (dashboard/dist), served by worker/dashboard/app-assets.ts. */
  ASSETS: Fetcher;
  /** `tenant=token` pairs, comma separated: static bearer tokens for POST /mcp, also the tenant keys the consent page signs in with. */
  SWITCHYARD_TOKENS?: string;
  /** `tenant=code` pairs, comma separated: single-use invitation codes (16+ characters) for the consent page only. */
  SWITCHYARD_INVITES?: string;
  /** `tenant=token` pairs, comma separated: tokens for runners dialling GET /runner/connect. */
  SWITCHYARD_RUNNER_TOKENS?: string;
  /**
   * Hostnames this Worker answers to besides loopback (comma separated), checked against `Host`
   * and a browser's `Origin`; in production the deployed hostname. Unset: loopback only.
   */
  SWITCHYARD_ALLOWED_HOSTS?: string;
  /** Special-purpose hosts the edge may still reach: `host:port`, `host:*` or `host` (80/443), comma separated; empty in production. */
  SWITCHYARD_EDGE_ALLOW_HOSTS?: string;
  /** Seconds between runner heartbeats (default 15); links silent for 3× are dropped. */
  SWITCHYARD_RUNNER_HEARTBEAT_S?: string;
  /** Seconds a runner may stay gone before its runs fail with runner_lost (default 60). */
  SWITCHYARD_RUNNER_GRACE_S?: string;
  /** Seconds manage_lane land/reclaim waits for the runner holding the lane to answer (default 120). */
  SWITCHYARD_LANE_REQUEST_TIMEOUT_S?: string;
  /** USD per million tokens by model: {"model": {"input_per_mtok", "cached_input_per_mtok", "output_per_mtok"}}. */
  SWITCHYARD_PRICES?: string;
  /** Most live runs per tenant (default 100). */
  SWITCHYARD_MAX_CONCURRENT_RUNS?: string;
  /** Most runs in one run tree (default 500). */
  SWITCHYARD_MAX_TREE_RUNS?: string;
  /** Most tokens one run tree may spend before its live runs are stopped (default 50,000,000). */
  SWITCHYARD_TREE_TOKEN_BUDGET?: string;
  /** `1`: every tool result is checked against its advertised output schema (tests; off in production). */
  SWITCHYARD_CHECK_TOOL_OUTPUT?: string;
}
