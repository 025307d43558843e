// Helpers for driving an EdgeBackend directly inside workerd against the Node A2A test agents
// (test/fixtures/a2a-agents.ts), reached over HTTP through the TEST_A2A_AGENTS binding.
import { env } from "cloudflare:test";
import type {
  BackendOutput,
  BackendRun,
  BackendStream,
  EdgeBackend,
} from "../../../shared/backends/backend.ts";
import type { NewEvent } from "../../../shared/runs/events.ts";
import type { A2aAgentUrls, A2aReceived } from "../../fixtures/a2a-agents.ts";

export const a2aUrls = (): A2aAgentUrls =>
  JSON.parse((env as unknown as { TEST_A2A_AGENTS: string }).TEST_A2A_AGENTS) as A2aAgentUrls;

/** A run for `agent` whose prompt is `prompt` (make it unique: agents are shared by all tests). */
export function a2aRun(
  agent: keyof A2aAgentUrls,
  prompt: string,
  extra: Partial<BackendRun> = {},
): BackendRun {
  return {
    runId: crypto.randomUUID(),
    message: { role: "user", parts: [{ kind: "text", text: prompt }] },
    config: { agent_url: a2aUrls()[agent] },
    secrets: {},
    ref: {},
    ...extra,
  };
}

/** What a backend call produced, folded the way a RunObject folds it. */
export interface Collected {
  outputs: BackendOutput[];
  events: NewEvent[];
  ref: Record<string, string>;
  checkpoint: unknown;
}

export const texts = (c: Collected, type: NewEvent["type"] = "agent_message"): string[] =>
  c.events.filter((e) => e.type === type).map((e) => String(e.data.text));

export const types = (c: Collected): string[] => c.events.map((e) => e.type);

/** Consumes a backend stream in the background; `until` resolves once `done(collected)` holds. */
export function consume(stream: AsyncIterable<BackendOutput>, into?: Collected) {
  const c: Collected = into ?? { outputs: [], events: [], ref: {}, checkpoint: undefined };
  const waiters: { pred: (c: Collected) => boolean; resolve: () => void; reject: (e: Error) => void }[] = [];
  const settle = () => {
    for (const w of waiters.filter((w) => w.pred(c))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const done = (async () => {
    for await (const out of stream) {
      record(c, out);
      settle();
    }
    return c;
  })().finally(() => {
    for (const w of waiters.splice(0))
      w.reject(new Error("the stream ended before the awaited condition held"));
  });
  return {
    collected: c,
    done,
    until: (pred: (c: Collected) => boolean): Promise<void> =>
      pred(c) ? Promise.resolve() : new Promise((resolve, reject) => waiters.push({ pred, resolve, reject })),
  };
}

export const collect = (stream: AsyncIterable<BackendOutput>): Promise<Collected> => consume(stream).done;

function record(c: Collected, out: BackendOutput): void {
  c.outputs.push(out);
  if (out.kind === "event") c.events.push(out.event);
  else if (out.kind === "ref") c.ref = { ...c.ref, ...out.ref };
  else c.checkpoint = out.state;
}

/**
 * Drives a backend as its run's object does: a stream that ends asking to be polled later is
 * followed, after that delay, by `recover` (the object does it on an alarm). Counts the polls.
 */
export async function collectPolled(
  backend: EdgeBackend,
  run: BackendRun,
  first: BackendStream,
): Promise<Collected & { polls: number }> {
  const c: Collected = { outputs: [], events: [], ref: {}, checkpoint: undefined };
  let polls = 0;
  for (let stream = first; ; polls++) {
    let next = await stream.next();
    for (; !next.done; next = await stream.next()) record(c, next.value);
    const wait = next.value?.pollAfterMs;
    if (wait === undefined) return { ...c, polls };
    await new Promise((resolve) => setTimeout(resolve, wait));
    stream = backend.recover(after(run, c), new AbortController().signal);
  }
}

/** What `agent` has been sent so far. */
export async function received(agent: keyof A2aAgentUrls): Promise<A2aReceived> {
  const res = await fetch(`${a2aUrls()[agent]}/__received`);
  return (await res.json()) as A2aReceived;
}

/** The run as its object hands it to `continue`/`recover` after `c`: same spec, new ref and checkpoint. */
export const after = (run: BackendRun, c: Collected): BackendRun => ({
  ...run,
  ref: c.ref,
  checkpoint: c.checkpoint,
});
