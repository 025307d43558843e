// Named stubs of the two Durable Object classes. A run's object is named by tenant and run id,
// so another tenant's run id can never reach it.
import { getAgentByName } from "agents";
import type { Env } from "../env.ts";
import type { RunObject } from "./run-object.ts";
import type { TenantObject } from "./tenant-object.ts";

/**
 * The RPC view of an object's public methods. workers-types maps records holding `unknown`
 * (free-form JSON such as metadata) to `never`; our records are plain JSON, so we state the
 * shape directly instead.
 */
type Rpc<T, K extends keyof T> = {
  [M in K]: T[M] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export type RunRpc = Rpc<
  RunObject,
  "create" | "getRecord" | "addChild" | "poll" | "waitTerminal" | "cancel" | "continueWith" | "readArtifact"
>;
export type TenantRpc = Rpc<TenantObject, "spawn" | "latestRunOf" | "hasRun" | "listRuns" | "runChanged">;

export const runObjectName = (tenant: string, runId: string) => `${tenant}/${runId}`;

export const runStub = async (env: Env, tenant: string, runId: string): Promise<RunRpc> =>
  (await getAgentByName(env.RUNS, runObjectName(tenant, runId))) as unknown as RunRpc;

export const tenantStub = async (env: Env, tenant: string): Promise<TenantRpc> =>
  (await getAgentByName(env.TENANTS, tenant)) as unknown as TenantRpc;
