// Named stubs of the Durable Object classes. A run's object is named by tenant and run id, a
// runner's by tenant and runner name; tenant names hold no "/", so another tenant's run or runner
// can never be reached by a name. Calls go through `unwrapping`, which turns the
// objects' Outcome results back into values or SwitchyardErrors.
import type { Env } from "../env.ts";
import { unwrapOutcome, type Outcome } from "../../shared/errors.ts";
import type { RunObject } from "./run-object.ts";
import type { RunnerObject } from "./runner-object.ts";
import type { TenantObject } from "./tenant-object.ts";

type Unwrapped<R> = [R] extends [Outcome<infer V>] ? V : R;

/**
 * The names of `T`'s RPC methods: its public methods that answer with an Outcome (a generic
 * method inherited from Agent answers `Promise<unknown>` here, and the Durable Object brand is
 * `never`, so neither is one).
 */
type RpcMethods<T> = {
  [K in keyof T]-?: [T[K]] extends [never]
    ? never
    : T[K] extends (...args: never[]) => infer R
      ? R extends Promise<Outcome<unknown>>
        ? K
        : never
      : never;
}[keyof T];

/**
 * The caller's view of an object's RPC methods. workers-types maps records holding `unknown`
 * (free-form JSON such as metadata) to `never`; our records are plain JSON, so we state the
 * shape directly instead.
 */
type Rpc<T> = {
  [M in RpcMethods<T>]: T[M] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Unwrapped<Awaited<R>>>
    : never;
};

export type RunRpc = Rpc<RunObject> & {
  /** The dashboard's live socket (RunObject.fetch). */
  fetch(request: Request): Promise<Response>;
};
export type TenantRpc = Rpc<TenantObject> & {
  fetch(request: Request): Promise<Response>;
};
export type RunnerRpc = Rpc<RunnerObject> & {
  fetch(request: Request): Promise<Response>;
};

function unwrapping<T>(stub: object): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== "function") return value;
      // Reflect.apply, not value.apply: an RPC stub would take "apply" for a remote method name.
      const call = (args: unknown[]) => Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
      if (prop === "fetch") return (...args: unknown[]) => call(args);
      return async (...args: unknown[]) => unwrapOutcome(await call(args));
    },
  }) as T;
}

const runObjectName = (tenant: string, runId: string) => `${tenant}/${runId}`;

/** The tenant and runner a RunnerObject serves, from its name (`<tenant>/<runner name>`). */
export function splitRunnerObjectName(name: string | undefined): { tenant: string; runner: string } {
  const slash = name?.indexOf("/") ?? -1;
  if (!name || slash < 1) throw new Error(`a RunnerObject is named <tenant>/<runner>, not ${name}`);
  return { tenant: name.slice(0, slash), runner: name.slice(slash + 1) };
}

// Plain named stubs. For the tenant's Agent, not agents' getAgentByName, which costs an extra RPC
// per lookup only to start the Agent lifecycle: every RPC method here is async, and agents starts
// the lifecycle of a cold object before an async method (and before fetch) by itself.
export const runStub = async (env: Env, tenant: string, runId: string): Promise<RunRpc> =>
  unwrapping<RunRpc>(env.RUNS.getByName(runObjectName(tenant, runId)));

export const tenantStub = async (env: Env, tenant: string): Promise<TenantRpc> =>
  unwrapping<TenantRpc>(env.TENANTS.getByName(tenant));

export const runnerStub = async (env: Env, tenant: string, runner: string): Promise<RunnerRpc> =>
  unwrapping<RunnerRpc>(env.RUNNERS.getByName(`${tenant}/${runner}`));
