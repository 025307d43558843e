// An orchestrating codex run held by a scripted runner, and an MCP client holding its run token
// (taken from the run's dispatch, as a real runner receives it).
import { RUN_TOKEN_SECRET } from "../../../shared/runs/run-token.ts";
import type { DispatchFrame } from "../../../shared/protocol/frames.ts";
import { connect, type TestClient } from "./mcp.ts";
import { ScriptedRunner } from "./scripted-runner.ts";

export interface OrchestratingRun {
  runner: ScriptedRunner;
  runId: string;
  dispatch: DispatchFrame;
  token: string;
  /** A client calling /mcp with the run's token. */
  scoped: TestClient;
}

export async function orchestratingRun(
  c: TestClient,
  spawn: Record<string, unknown> = {},
): Promise<OrchestratingRun> {
  const name = `orch-${crypto.randomUUID().slice(0, 8)}`;
  const runner = await ScriptedRunner.connect({ name, backends: ["codex"] });
  const run = await c.ok("spawn_run", {
    backend: "codex",
    role: "planner",
    prompt: "plan",
    cwd: "/w",
    backend_config: { runner: name, orchestration: true },
    ...spawn,
  });
  const dispatch = await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
  const token = String(dispatch.secrets[RUN_TOKEN_SECRET]);
  return { runner, runId: run.run_id, dispatch, token, scoped: await connect(token) };
}

/** Ends the run on its runner, as a finished codex turn would. */
export function completeOnRunner(o: OrchestratingRun, from = 1): void {
  o.runner.outputs(o.runId, from, [
    { type: "run_started", data: {} },
    { type: "run_completed", data: { final_response: "planned" } },
  ]);
}
