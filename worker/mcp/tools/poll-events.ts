// poll_events: read a run's log after a cursor; parks on the run until the next event arrives.
import { z } from "zod";
import { RunEventSchema } from "../../runs/events.ts";
import { RunStatusSchema } from "../../runs/status.ts";
import { RunSelectorShape, refineSelector } from "../fields.ts";
import { openRun } from "../runs.ts";
import { defineTool } from "../tool.ts";

export const pollEvents = defineTool({
  name: "poll_events",
  description:
    "Events of a run after after_seq (at most limit). With wait_ms it parks until the next event or the end of the " +
    "run and returns everything pending at once. Continue with after_seq = next_after_seq.",
  input: z
    .strictObject({
      ...RunSelectorShape,
      after_seq: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
      wait_ms: z.number().int().min(0).max(30_000).default(20_000),
    })
    .superRefine(refineSelector),
  output: z.object({
    run_id: z.string(),
    status: RunStatusSchema,
    terminal: z.boolean(),
    events: z.array(RunEventSchema),
    next_after_seq: z.number(),
  }),
  async handler(args, ctx) {
    const { runId, stub } = await openRun(ctx, args);
    const page = await stub.poll(args.after_seq, args.limit, args.wait_ms);
    return { run_id: runId, ...page };
  },
});
