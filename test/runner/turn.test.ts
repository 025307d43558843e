// driveTurn, the part every local agent shares: exactly one terminal event whatever the SDK does,
// none on abort, and the turn's processes reaped before the iterator finishes. SDK streams are
// in-memory generators here; the real agents are covered by the *-agent suites.
import { describe, expect, it } from "vitest";
import { emit } from "../../shared/backends/backend.ts";
import { badRequest } from "../../shared/errors.ts";
import { runCompleted, type EventMapper } from "../../runner/agents/agent.ts";
import { driveTurn } from "../../runner/agents/turn.ts";
import { collect, drain, terminalsOf, typesOf, waitFor } from "./support/agent-harness.ts";

/** Maps "msg" to agent_message and "done" to run_completed. */
function testMapper(): EventMapper<string> {
  let finished = false;
  return {
    finished: () => finished,
    map: (event) => {
      if (event !== "done") return [emit("agent_message", { text: event })];
      finished = true;
      return [runCompleted("ok")];
    },
  };
}

function turn(events: () => AsyncIterable<string>, signal = new AbortController().signal) {
  const reaped: string[] = [];
  const outputs = driveTurn({
    agent: "test_agent",
    events,
    mapper: testMapper(),
    signal,
    marker: "marker-1",
    reap: async (marker) => void reaped.push(marker),
  });
  return { outputs, reaped };
}

async function* stream(...events: string[]): AsyncGenerator<string> {
  yield* events;
}

describe("driveTurn", () => {
  it("passes a completed turn through and reaps the turn's processes afterwards", async () => {
    const { outputs, reaped } = turn(() => stream("msg", "done"));
    expect(typesOf(await collect(outputs))).toEqual(["agent_message", "run_completed"]);
    expect(reaped).toEqual(["marker-1"]);
  });

  it("fails a turn whose stream ends without a result", async () => {
    const { outputs } = turn(() => stream("msg"));
    expect(terminalsOf(await collect(outputs))).toEqual([
      {
        type: "run_failed",
        data: { error: { code: "backend_failed", message: "test_agent ended the turn without a result" } },
      },
    ]);
  });

  it("turns an SDK error into run_failed, keeping a Switchyard error's code", async () => {
    const { outputs } = turn(async function* () {
      yield "msg";
      throw badRequest("backend_config.model", "expected a string");
    });
    expect(terminalsOf(await collect(outputs))).toEqual([
      {
        type: "run_failed",
        data: { error: { code: "bad_request", message: "backend_config.model: expected a string" } },
      },
    ]);
  });

  it("ignores an SDK error after the terminal event (codex exits 1 after turn.failed)", async () => {
    const { outputs } = turn(async function* () {
      yield "done";
      throw new Error("exited with code 1");
    });
    expect(typesOf(await collect(outputs))).toEqual(["run_completed"]);
  });

  it("ends without a terminal event on abort, and only after the reap finished", async () => {
    const controller = new AbortController();
    let release: () => void = () => {};
    const reapDone = new Promise<void>((resolve) => (release = resolve));
    const reaped: string[] = [];
    const outputs = driveTurn({
      agent: "test_agent",
      // An SDK that reacts to abort by ending its stream, as both real SDKs do.
      events: async function* () {
        yield "msg";
        await new Promise((resolve) => controller.signal.addEventListener("abort", resolve));
        yield "done";
      },
      mapper: testMapper(),
      signal: controller.signal,
      marker: "marker-2",
      reap: async (marker) => {
        reaped.push(marker);
        await reapDone;
      },
    });
    const running = drain(outputs);
    await waitFor(() => running.outputs.length === 1);
    let finished = false;
    void running.done.then(() => (finished = true));

    controller.abort();
    await waitFor(() => reaped.length > 0);
    expect(finished).toBe(false);
    release();

    expect(typesOf(await running.done)).toEqual(["agent_message"]);
    expect(reaped[0]).toBe("marker-2");
  });

  it("ends an agent that does not exit after its terminal event, once the exit grace is over", async () => {
    let kill: () => void = () => {};
    const killed = new Promise<void>((resolve) => (kill = resolve));
    const reaped: string[] = [];
    const outputs = driveTurn({
      agent: "test_agent",
      // Reports the end of the turn, then hangs until its process is killed.
      events: async function* () {
        yield "done";
        await killed;
      },
      mapper: testMapper(),
      signal: new AbortController().signal,
      marker: "marker-3",
      reap: async (marker) => {
        reaped.push(marker);
        kill();
      },
      exitGraceMs: 50,
    });

    expect(typesOf(await collect(outputs))).toEqual(["run_completed"]);
    expect(reaped[0]).toBe("marker-3");
  });
});
