// A run that resumes a finished run's session — continue_run's new run and a review's remediation —
// keeps the finished run's spec (profile_path, output_schema, config, cwd …), role, metadata and
// timeout: checked on the dispatch frames a scripted runner receives and on the stored records.
import { describe, expect, it } from "vitest";
import { RunSpecSchema } from "../../shared/runs/run-spec.ts";
import type { DispatchFrame } from "../../shared/protocol/frames.ts";
import { agentUrl, connect, waitForStatus, type TestClient } from "./support/mcp.ts";
import { runnerWithRun } from "./support/scripted-runner.ts";
import { storedRecord } from "./support/storage.ts";

const OUTPUT_SCHEMA = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };

/** Every spec field that carries over (all but the message and the session handle), plus backend and cwd. */
function carried(frame: DispatchFrame): Record<string, unknown> {
  const keys = Object.keys(RunSpecSchema.shape).filter((k) => k !== "message" && k !== "session_ref");
  const spec = Object.fromEntries(keys.map((k) => [k, frame[k as keyof DispatchFrame]]));
  return { ...spec, backend: frame.backend, cwd: frame.cwd };
}

/** A codex run with every carried field set, finished by a scripted runner. */
async function finishedRun(c: TestClient, prefix: string, extra: Record<string, unknown> = {}) {
  const { runner, runId, dispatch } = await runnerWithRun(c, prefix, {
    role: "implementer",
    cwd: "/w/repo",
    profile_path: "profiles/IMPLEMENTER.md",
    output_schema: OUTPUT_SCHEMA,
    metadata: { ticket: "T-7" },
    timeout_s: 1234,
    ...extra,
  });
  runner.outputs(runId, 1, [
    { type: "run_started", data: {} },
    { type: "agent_message", data: { text: "done" } },
    { type: "run_completed", data: { final_response: "done", structured_output: { ok: true } } },
  ]);
  const first = await waitForStatus(c, runId, ["completed"]);
  return { runner, first, dispatch };
}

describe("a run resuming a finished run's session keeps its spec", () => {
  it("continue_run's new run", async () => {
    const c = await connect();
    const { runner, first, dispatch } = await finishedRun(c, "cont");
    expect(dispatch).toMatchObject({ profile_path: "profiles/IMPLEMENTER.md", output_schema: OUTPUT_SCHEMA });

    const next = await c.ok("continue_run", { run_id: first.run_id, prompt: "now the tests" });
    expect(next.mode).toBe("new_run");
    const resumed = await runner.next("run.dispatch", (f) => f.run_id === next.run_id);
    expect(carried(resumed)).toEqual(carried(dispatch));
    expect(resumed.message.parts).toEqual([{ kind: "text", text: "now the tests" }]);
    expect(await storedRecord(next.run_id)).toMatchObject({
      role: "implementer",
      metadata: { ticket: "T-7" },
      timeout_s: 1234,
      session_id: first.session_id,
      spec: { profile_path: "profiles/IMPLEMENTER.md" },
    });
    runner.close();
  });

  it("a review's remediation run", async () => {
    const c = await connect();
    const { runner, first, dispatch } = await finishedRun(c, "remed", {
      review: {
        backend: "remote_a2a",
        backend_config: { agent_url: agentUrl("harshReviewer") },
        max_cycles: 2,
      },
    });
    // worker → reviewer (fail) → remediation, dispatched to the same runner by its carried config.
    const remediation = await runner.next("run.dispatch", (f) => f.run_id !== first.run_id, 20_000);
    expect(carried(remediation)).toEqual(carried(dispatch));
    expect(await storedRecord(remediation.run_id)).toMatchObject({
      role: "implementer",
      metadata: { ticket: "T-7", remediates: first.run_id },
      timeout_s: 1234,
      session_id: first.session_id,
      parent_run_id: first.run_id,
      spec: { profile_path: "profiles/IMPLEMENTER.md", output_schema: OUTPUT_SCHEMA },
    });
    runner.close();
  });
});
