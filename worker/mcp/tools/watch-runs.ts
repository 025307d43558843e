// watch_runs: follow many runs in one call — up to 100 cursors, parked until any of the runs has
// events after its cursor or has ended, answered with a page per run that moved.
import { z } from "zod";
import { RunEventSchema } from "../../../shared/runs/events.ts";
import { RunStatusSchema } from "../../../shared/runs/status.ts";
import type { PollResult } from "../../objects/run-object.ts";
import { runStub, type RunRpc } from "../../objects/stubs.ts";
import { assertInScope } from "../../orchestration/scope.ts";
import { RUN_ID_PATTERN } from "../../runs/ids.ts";
import { BoundedShape, TruncatedSchema, fitToBudget, project, reduceItem } from "../bounded.ts";
import { naming, noRun } from "../runs.ts";
import { defineTool, readOnly } from "../tool.ts";

export const MAX_WATCHED_RUNS = 100;

const CursorSchema = z.strictObject({
  run_id: z.string().max(64),
  after_seq: z.number().int().min(0).default(0),
});

export const watchRuns = defineTool({
  name: "watch_runs",
  description:
    "Follow many runs in one call — the way to watch a fan-out. Give up to 100 cursors {run_id, after_seq}; the " +
    "call answers at once when any run has events after its cursor or has ended, otherwise parks up to wait_ms and " +
    "answers when the first of them moves. `runs` holds a page for each run that moved (events, next_after_seq, " +
    "status, terminal); `quiet_run_ids` the runs with nothing new (keep their cursors). Call again with each " +
    "run's next_after_seq, and leave out runs whose page says terminal once you have read them. limit is per run; " +
    "fields/detail/max_bytes bound the whole answer, and events left out are read by the next call.",
  annotations: readOnly("Watch many runs"),
  input: z
    .strictObject({
      runs: z.array(CursorSchema).min(1).max(MAX_WATCHED_RUNS),
      limit: z.number().int().min(1).max(1000).default(100).describe("Most events per run."),
      wait_ms: z.number().int().min(0).max(30_000).default(20_000),
      ...BoundedShape,
    })
    .superRefine((v, ctx) => {
      const seen = new Map<string, number>();
      v.runs.forEach((c, i) => {
        const first = seen.get(c.run_id);
        if (first !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["runs", i, "run_id"],
            message: `run "${c.run_id}" is already watched at runs.${first}; give each run once`,
          });
        seen.set(c.run_id, i);
      });
    }),
  output: z.object({
    runs: z.array(
      z.object({
        run_id: z.string(),
        status: RunStatusSchema,
        terminal: z.boolean(),
        events: z.array(RunEventSchema.partial().extend({ trimmed: z.literal(true).optional() })),
        next_after_seq: z.number(),
      }),
    ),
    quiet_run_ids: z.array(z.string()),
    truncated: TruncatedSchema,
  }),
  async handler(args, ctx) {
    const watched = args.runs.map((cursor, i) => ({ ...cursor, field: `runs.${i}.run_id` }));
    for (const c of watched) if (!RUN_ID_PATTERN.test(c.run_id)) throw noRun(c.field, c.run_id);
    // A run-scoped caller (an orchestrating run's agent) watches only what lies below its run.
    await assertInScope(ctx, watched);
    const stubs = await Promise.all(watched.map((c) => runStub(ctx.env, ctx.tenant, c.run_id)));
    const read = (i: number) => named(watched[i]!, stubs[i]!.poll(watched[i]!.after_seq, args.limit, 0));

    // What is there now; only when nothing is, park on every run until the first moves.
    let pages: (PollResult | undefined)[] = await Promise.all(watched.map((_, i) => read(i)));
    if (!pages.some(moved) && args.wait_ms > 0) pages = await firstToMove(watched, stubs, args.wait_ms, read);
    return answer(watched, pages, args);
  },
});

type Watched = { run_id: string; after_seq: number; field: string };

const moved = (page: PollResult | undefined) => !!page && (page.events.length > 0 || page.terminal);

/** A call to the cursor's run, its object's "run not found" named after the cursor. */
const named = <T>(c: Watched, call: Promise<T>): Promise<T> => naming(c.field, c.run_id, call);

/**
 * Parks a watch on every run and settles with the page of the first run that moves (and of any
 * that moved with it), or with none at `waitMs`. Watches still parked are left behind: each
 * costs its object a timer until its next append or the deadline, not a read.
 */
function firstToMove(
  watched: Watched[],
  stubs: RunRpc[],
  waitMs: number,
  read: (i: number) => Promise<PollResult>,
): Promise<(PollResult | undefined)[]> {
  const pages: (PollResult | undefined)[] = new Array(watched.length);
  return new Promise((resolve, reject) => {
    let settled = false;
    let parked = watched.length;
    const finish = () => {
      settled = true;
      resolve(pages);
    };
    watched.forEach((c, i) => {
      named(c, stubs[i]!.watch(c.after_seq, waitMs))
        .then(async ({ moved: wasMoved }) => {
          if (settled) return;
          if (wasMoved) {
            pages[i] = await read(i);
            if (!settled && moved(pages[i])) return finish();
          }
          if (--parked === 0 && !settled) finish();
        })
        .catch((error: unknown) => {
          if (!settled) {
            settled = true;
            reject(error);
          }
        });
    });
  });
}

/** The answer: a page per run that moved, in the order given, within max_bytes as a whole. */
function answer(
  watched: Watched[],
  pages: (PollResult | undefined)[],
  args: { fields?: string[]; detail: "summary" | "full"; max_bytes?: number },
) {
  const movedAt = watched.map((_, i) => i).filter((i) => moved(pages[i]));
  const quiet_run_ids = watched.filter((_, i) => !moved(pages[i])).map((c) => c.run_id);
  // Every event in answer order (run by run), so the budget keeps a prefix and cuts the tail.
  const shaped: object[] = movedAt.flatMap((i) => pages[i]!.events.map((e) => project(e, args)));
  const build = (kept: object[]) => {
    let start = 0;
    const runs = movedAt.map((i) => {
      const page = pages[i]!;
      const mine = kept.slice(start, Math.max(start, Math.min(kept.length, start + page.events.length)));
      start += page.events.length;
      const whole = mine.length === page.events.length && !mine.some((e) => "trimmed" in e);
      return {
        run_id: watched[i]!.run_id,
        status: page.status,
        terminal: page.terminal,
        events: mine,
        next_after_seq: whole
          ? page.next_after_seq
          : (page.events[mine.length - 1]?.seq ?? watched[i]!.after_seq),
      };
    });
    const omitted = shaped.length - kept.length;
    const trimmed = omitted > 0 || kept.some((e) => "trimmed" in e);
    return {
      runs,
      quiet_run_ids,
      ...(trimmed
        ? {
            truncated: {
              omitted_items: omitted,
              max_bytes: args.max_bytes!,
              how_to_get:
                "call again with each run's next_after_seq; an event marked trimmed is read whole with poll_events " +
                "(after_seq = its seq - 1, limit 1, a larger max_bytes), its large fields with get_event_artifact",
            },
          }
        : {}),
    };
  };
  const { answer, kept } = fitToBudget(shaped, args.max_bytes, build);
  // One event larger than the whole budget: send it reduced, so that run's cursor still moves on.
  if (kept === 0 && shaped.length > 0)
    return build([reduceItem(pages[movedAt[0]!]!.events[0]!, ["seq", "ts", "type", "run_id"])]);
  return answer;
}
