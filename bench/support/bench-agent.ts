// The benchmark's A2A agent: a real @a2a-js/sdk agent (test/fixtures/a2a-agents.ts) whose script
// reads its plan — how many updates, how far apart, how large, in bursts of how many — from the
// message, and stamps every update with its number and send time, so the benchmark can measure
// delays and count exactly what arrived. Its task store keeps a bounded history (see below).
import { TaskState, type Task } from "@a2a-js/sdk";
import { InMemoryTaskStore, type ServerCallContext } from "@a2a-js/sdk/server";
import { z } from "zod";
import { startAgent } from "../../test/fixtures/a2a-agents.ts";
import { textPart, type Script } from "../../test/fixtures/a2a-scenarios.ts";
import { wallMs } from "./stats.ts";

export const BenchPlanSchema = z.object({
  /** Stamped status updates to send before completing. */
  updates: z.number().int().min(0),
  /** Pause between bursts (ms); 0 sends as fast as the request handler takes them. */
  interval_ms: z.number().min(0),
  /** Filler characters added to every update's text. */
  payload_bytes: z.number().int().min(0).default(0),
  /** Updates sent back to back before each pause. */
  burst: z.number().int().min(1).default(1),
  /** Pause before the first update (ms), e.g. so a poll is parked by then. */
  start_delay_ms: z.number().min(0).default(0),
});
export type BenchPlan = z.input<typeof BenchPlanSchema>;

const PREFIX = "bench-plan ";

/** The prompt that makes the agent follow `plan`. */
export const planPrompt = (plan: BenchPlan): string => PREFIX + JSON.stringify(plan);

/** An update's text: `#<n> @<send time, ms> <filler>`. */
export const stampText = (n: number, sentMs: number, filler: string): string =>
  `#${n} @${sentMs.toFixed(3)} ${filler}`;

const STAMP = /^#(\d+) @(\d+(?:\.\d+)?) /;

/** The update number and send time in an event's text, if it is a stamped update. */
export function parseStamp(text: unknown): { n: number; sentMs: number } | undefined {
  const m = typeof text === "string" ? STAMP.exec(text) : null;
  return m ? { n: Number(m[1]), sentMs: Number(m[2]) } : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const yieldToIo = () => new Promise((resolve) => setImmediate(resolve));

export const benchScript: Script = async (t) => {
  const plan = BenchPlanSchema.parse(JSON.parse(t.text.slice(t.text.indexOf(PREFIX) + PREFIX.length)));
  t.task(TaskState.TASK_STATE_WORKING);
  const filler = "x".repeat(plan.payload_bytes);
  // Bursts keep an absolute schedule, so timer drift does not add up over many updates.
  const start = wallMs() + plan.start_delay_ms;
  if (plan.start_delay_ms) await sleep(plan.start_delay_ms);
  for (let n = 1; n <= plan.updates; n++) {
    if (t.signal.aborted) return;
    const burst = Math.floor((n - 1) / plan.burst);
    if (n > 1 && (n - 1) % plan.burst === 0) {
      if (plan.interval_ms > 0) await sleep(Math.max(0, start + burst * plan.interval_ms - wallMs()));
      else if (burst % 64 === 0) await yieldToIo(); // lets the SSE responses go out
    }
    t.status(TaskState.TASK_STATE_WORKING, [textPart(stampText(n, wallMs(), filler))]);
  }
  t.status(TaskState.TASK_STATE_COMPLETED, [textPart("bench done")]);
};

/** History kept per task: the SDK copies the whole task on every update, so it must stay small. */
const HISTORY_KEPT = 8;

/**
 * The SDK's in-memory store, keeping the first message and the last few of a task's history: the
 * request handler loads, searches and saves the whole history on every status update, which is
 * quadratic over a 100,000-update task. Switchyard reads history only when recovering a dropped
 * stream, which the benchmark does not do.
 */
class BoundedTaskStore extends InMemoryTaskStore {
  override async save(task: Task, context: ServerCallContext): Promise<void> {
    const history = task.history ?? [];
    if (history.length > HISTORY_KEPT)
      task = { ...task, history: [history[0]!, ...history.slice(-(HISTORY_KEPT - 1))] };
    return super.save(task, context);
  }
}

/** Starts the agent on a free loopback port. */
export function startBenchAgent() {
  return startAgent("bench", {
    script: benchScript,
    streaming: true,
    wire: "1.0",
    taskStore: () => new BoundedTaskStore(),
  });
}
