// The client pattern shared by the call-overhead and floor measurements: one caller in a loop, and
// many callers in parallel, each call timed; warm-up calls are not counted.
import { summarize, type Summary } from "./stats.ts";

export interface LoadResult {
  latency: Summary;
  callsPerSecond: number;
}

/** `callers` loops of `perCaller` calls each, all at once; `call(i)` uses caller i's connection. */
export async function runLoad(
  callers: number,
  perCaller: number,
  warmup: number,
  call: (caller: number) => Promise<unknown>,
): Promise<LoadResult> {
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; i < Math.ceil(warmup / callers); i++) await call(c);
    }),
  );
  const samples: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; i < perCaller; i++) {
        const t0 = performance.now();
        await call(c);
        samples.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latency: summarize(samples), callsPerSecond: samples.length / seconds };
}
