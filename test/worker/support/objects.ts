// The Worker's Durable Object namespaces as tests reach them (cloudflare:test types `env` loosely).
import { env } from "cloudflare:test";
import type { Env } from "../../../worker/env.ts";

export const objects = env as unknown as Pick<Env, "RUNS" | "TENANTS">;
