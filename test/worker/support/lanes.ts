// Repo lanes for tests: a lane whose runs go to one pool of scripted runners serving lanes, work
// items enqueued into it, and a whole turn of a lane run played as the runner would play it.
import type { DispatchFrame } from "../../../shared/protocol/frames.ts";
import type { TestClient } from "./mcp.ts";
import { ScriptedRunner } from "./scripted-runner.ts";

export const uid = () => crypto.randomUUID().slice(0, 8);
export const REPO = "/srv/repos/app";

/** A runner serving lanes, in its own label pool so no other test's runner takes its runs. */
export const lanesRunner = (
  name: string,
  pool: string,
  extra: Partial<Parameters<typeof ScriptedRunner.connect>[0]> = {},
) =>
  ScriptedRunner.connect({
    name,
    labels: { lanes: "true", pool },
    backends: ["codex", "openai_compatible"],
    maxRuns: 4,
    ...extra,
  });

/** A repo lane whose runs go to runners labelled with `pool`. */
export async function repoLane(c: TestClient, extra: Record<string, unknown> = {}) {
  const lane_id = `lq-${uid()}`;
  const pool = uid();
  const { lane } = await c.ok("manage_lane", {
    operation: "upsert",
    lane_id,
    repo: REPO,
    backend: "codex",
    runner_labels: { pool },
    ...extra,
  });
  return { lane_id, pool, lane };
}

export const enqueue = (
  c: TestClient,
  lane_id: string,
  prompt: string,
  extra: Record<string, unknown> = {},
) => c.ok("manage_lane", { operation: "enqueue", lane_id, prompt, ...extra });

/** Plays a whole turn of the run (source_seq from `from`), optionally with the lane events first. */
export function finishTurn(
  runner: ScriptedRunner,
  runId: string,
  text: string,
  laneEvents: { type: string; data: Record<string, unknown> }[] = [],
  from = 1,
) {
  runner.outputs(runId, from, [
    { type: "run_started", data: {} },
    { type: "agent_message", data: { text } },
    ...laneEvents,
    { type: "run_completed", data: { final_response: text } },
  ]);
}

export const promptOf = (d: DispatchFrame) =>
  d.message.parts.map((p) => ("text" in p ? p.text : "")).join("");

/**
 * Reads the lane until `done` holds of it: a run's end reaches the lane through the run's change
 * outbox, a moment after the run itself ended.
 */
export async function untilLane(c: TestClient, lane_id: string, done: (lane: any) => boolean): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const activity = await c.ok("get_lane_activity", { lane_id });
    if (done(activity)) return activity;
    await c.ok("wait_runs", { run_ids: activity.runs.map((r: any) => r.run_id), mode: "all", wait_ms: 200 });
  }
  throw new Error(`lane ${lane_id} never reached the state waited for`);
}
