// What a scenario is to run.ts: a name, a hard time bound, and a run that reports result rows,
// each optionally held against its target from the issue.
import type { Cleanup } from "./cleanup.ts";

export type Flags = Record<string, string | boolean | undefined>;

export interface Target {
  /** `max`: the value must not exceed `limit`; `min`: it must reach it. */
  kind: "max" | "min";
  limit: number;
}

export interface Row {
  /** What was measured, e.g. "get_run sequential p50". */
  metric: string;
  value: number;
  unit: string;
  target?: Target;
  /** Measured without a target, or on a floor/reference path. */
  note?: string;
}

export interface ScenarioContext {
  /** The scenario's name (file names of its outputs). */
  name: string;
  flags: Flags;
  cleanup: Cleanup;
  /** Progress lines on stderr; the table goes to stdout. */
  log(line: string): void;
  /** Aborted when the scenario's time bound passes. */
  signal: AbortSignal;
}

export interface ScenarioResult {
  rows: Row[];
  /** Anything else worth keeping in the JSON results (raw figures, settings). */
  details?: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  summary: string;
  /** Hard bound for the whole scenario, start-up and teardown excluded (ms). */
  timeoutMs(flags: Flags): number;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

export const max = (limit: number): Target => ({ kind: "max", limit });
export const min = (limit: number): Target => ({ kind: "min", limit });

export function meets(row: Row): boolean | undefined {
  if (!row.target) return undefined;
  return row.target.kind === "max" ? row.value <= row.target.limit : row.value >= row.target.limit;
}

/** A numeric flag (strings from parseArgs) or its default. */
export function num(flags: Flags, name: string, fallback: number): number {
  const raw = flags[name];
  if (raw === undefined || typeof raw === "boolean") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got "${raw}"`);
  return n;
}

/** A comma-separated list of numbers, e.g. `--fanout 10,100,500`. */
export function nums(flags: Flags, name: string, fallback: number[]): number[] {
  const raw = flags[name];
  if (typeof raw !== "string") return fallback;
  return raw.split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isFinite(n)) throw new Error(`--${name}: expected numbers separated by commas, got "${raw}"`);
    return n;
  });
}

/** A comma-separated list of names, each one of `allowed`, e.g. `--follow watch_runs,wait_runs`. */
export function strs<T extends string>(flags: Flags, name: string, allowed: readonly T[]): T[] {
  const raw = flags[name];
  if (typeof raw !== "string") return [...allowed];
  return raw.split(",").map((s) => {
    const v = s.trim() as T;
    if (!allowed.includes(v))
      throw new Error(`--${name}: expected some of ${allowed.join(", ")}, got "${s}"`);
    return v;
  });
}
