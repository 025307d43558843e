// poll_events: read a run's log after a cursor; parks on the run until the next event arrives.
import { z } from "zod";
import { RunEventSchema } from "../../../shared/runs/events.ts";
import { RunStatusSchema } from "../../../shared/runs/status.ts";
import { BoundedShape, TruncatedSchema, fitToBudget, project, reduceItem } from "../bounded.ts";
import { RunSelectorShape, refineSelector } from "../fields.ts";
import { callRun } from "../runs.ts";
import { defineTool, readOnly } from "../tool.ts";

export const pollEvents = defineTool({
  name: "poll_events",
  description:
    "Events of a run after after_seq (at most limit). With wait_ms it parks until the next event or the end of the " +
    "run and returns everything pending at once. Continue with after_seq = next_after_seq. fields/detail/max_bytes " +
    "bound the answer; trimmed events are fetched by the next poll. Every status change is a status_changed event " +
    "stored right after the event that caused it, so a finished run's log ends with the event that ended it " +
    "(run_completed, run_failed or rejected) followed by status_changed to the final status, the same for every " +
    "backend; a cancelled run ends with status_changed alone. To follow many runs at once, use watch_runs.",
  annotations: readOnly("Poll a run's events"),
  input: z
    .strictObject({
      ...RunSelectorShape,
      after_seq: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
      wait_ms: z.number().int().min(0).max(30_000).default(20_000),
      ...BoundedShape,
    })
    .superRefine(refineSelector),
  output: z.object({
    run_id: z.string(),
    status: RunStatusSchema,
    terminal: z.boolean(),
    events: z.array(RunEventSchema.partial().extend({ trimmed: z.literal(true).optional() })),
    next_after_seq: z.number(),
    truncated: TruncatedSchema,
  }),
  async handler(args, ctx) {
    const { runId, value: page } = await callRun(ctx, args, (stub) =>
      stub.poll(args.after_seq, args.limit, args.wait_ms),
    );
    const shaped = page.events.map((e) => project(e, args));
    const { answer, kept } = fitToBudget(shaped, args.max_bytes, (k) => build(k));
    // One event larger than the whole budget: send it reduced, so the cursor still moves on.
    if (kept === 0 && page.events.length > 0)
      return build([reduceItem(page.events[0]!, ["seq", "ts", "type", "run_id"])]);
    return answer;

    /** The answer with a prefix of the events; the cursor follows the last one included. */
    function build(kept: object[]) {
      const trimmed = kept.length < page.events.length || kept.some((e) => "trimmed" in e);
      const last = page.events[kept.length - 1];
      return {
        run_id: runId,
        status: page.status,
        terminal: page.terminal,
        events: kept,
        next_after_seq: trimmed ? (last?.seq ?? args.after_seq) : page.next_after_seq,
        ...(trimmed
          ? {
              truncated: {
                omitted_items: page.events.length - kept.length,
                max_bytes: args.max_bytes!,
                how_to_get:
                  "poll again with after_seq = next_after_seq; an event marked trimmed is read whole with a larger " +
                  "max_bytes (after_seq = its seq - 1, limit 1), its large fields with get_event_artifact",
              },
            }
          : {}),
      };
    }
  },
});
