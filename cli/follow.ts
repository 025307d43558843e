// Follows a run's events to its end (or to a question, with exitOnInput) by long-polling
// poll_events: each call parks on the run until something happens, so nothing sleeps or spins.
import type { RunEvent } from "../shared/runs/events.ts";
import { isAwaitingInput, isTerminal, type RunStatus } from "../shared/runs/status.ts";
import type { Switchyard } from "./client.ts";
import { progress, type Output } from "./output.ts";
import { progressLine, renderEvent } from "./render.ts";

export interface FollowOptions {
  /** Newline-delimited events exactly as poll_events answers them, instead of rendered lines. */
  json: boolean;
  /** Stop (exit 3) once the run waits for input, instead of waiting for someone to continue it. */
  exitOnInput: boolean;
  /** Start after this seq (0: from the first event). */
  afterSeq?: number;
}

/** Exit codes: what a script calling `switchyard tail` or `spawn --follow` branches on. */
export const EXIT = { completed: 0, ended: 1, usage: 2, inputRequired: 3 } as const;

const PAGE = 1000;
const WAIT_MS = 20_000;

/** Prints the run's events as they come and answers the exit code of how it stopped. */
export async function followRun(sy: Switchyard, runId: string, options: FollowOptions, out: Output) {
  const line = progress(out);
  let after = options.afterSeq ?? 0;
  let seen = 0;
  for (;;) {
    const page = await sy.call<{ status: RunStatus; events: RunEvent[]; next_after_seq: number }>(
      "poll_events",
      { run_id: runId, after_seq: after, limit: PAGE, wait_ms: WAIT_MS },
    );
    if (page.events.length > 0) line.clear();
    for (const event of page.events)
      out.stdout.write(`${options.json ? JSON.stringify(event) : renderEvent(event)}\n`);
    seen += page.events.length;
    after = page.next_after_seq;
    // A full page may have more behind it: read on before judging the status.
    const drained = page.events.length < PAGE;
    if (drained && isTerminal(page.status)) {
      line.clear();
      return page.status === "completed" ? EXIT.completed : EXIT.ended;
    }
    if (drained && options.exitOnInput && isAwaitingInput(page.status)) {
      line.clear();
      return EXIT.inputRequired;
    }
    if (!options.json) line.show(progressLine(runId, page.status, seen));
  }
}
