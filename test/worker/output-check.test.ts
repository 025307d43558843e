// Tool results checked on the server against the output schema tools/list advertises (the tests run
// with SWITCHYARD_CHECK_TOOL_OUTPUT=1): a result that does not fit is an `internal` error naming the
// tool and the path, instead of structuredContent the client would refuse.
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../worker/env.ts";
import { outputMismatch } from "../../worker/mcp/output-check.ts";
import { toCheckedResult } from "../../worker/mcp/tool-result.ts";
import { getRun } from "../../worker/mcp/tools/get-run.ts";
import { connect, spawnA2aRun, waitForStatus, type TestClient } from "./support/mcp.ts";
import { objects } from "./support/objects.ts";

let c: TestClient;
/** A completed run's get_run result, as the client received it. */
let run: Record<string, any>;

beforeAll(async () => {
  c = await connect();
  const spawned = await spawnA2aRun(c, "streaming");
  run = await waitForStatus(c, spawned.run_id, ["completed"]);
});

describe("tool results against their advertised output schemas", () => {
  it("a real get_run result fits; an unknown key, a status no run has and a missing field are named by path", () => {
    expect(outputMismatch(getRun, run)).toBeUndefined();

    const withTenant = { ...run, tenant: "acme" };
    // The zod schema strips unknown keys and would let this pass; clients refuse it.
    expect(getRun.output.safeParse(withTenant).success).toBe(true);
    expect(outputMismatch(getRun, withTenant)).toBe(
      '/: Property "tenant" does not match additional properties schema.',
    );

    expect(outputMismatch(getRun, { ...run, status: "paused" })).toMatch(
      /^\/status: Instance does not match/,
    );

    const { usage: _usage, ...result } = run.result;
    expect(outputMismatch(getRun, { ...run, result })).toBe(
      '/result: Instance does not have required property "usage".',
    );
  });

  it("a mismatch becomes an internal error naming the tool and the path while the check is on", () => {
    const damaged = { ...run, status: "paused" };
    const on = toCheckedResult(getRun, damaged, { ...env, SWITCHYARD_CHECK_TOOL_OUTPUT: "1" } as Env);
    expect(on.isError).toBe(true);
    expect(on.structuredContent).toBeUndefined();
    const body = JSON.parse((on.content as { text: string }[])[0]!.text);
    expect(body).toEqual({
      code: "internal",
      message: expect.stringMatching(/^get_run: internal error: .* at \/status: Instance does not match/),
    });

    const off = toCheckedResult(getRun, damaged, { ...env, SWITCHYARD_CHECK_TOOL_OUTPUT: undefined } as Env);
    expect(off.isError).toBeUndefined();
    expect(off.structuredContent).toBe(damaged);
  });

  it("get_run of a run whose stored record no longer fits answers the client with that error", async () => {
    const object = objects.RUNS.getByName(`acme/${run.run_id}`);
    await runInDurableObject(object, (_, state) => {
      state.storage.sql.exec(`UPDATE sy_record SET doc = json_set(doc, '$.status', 'paused')`);
    });
    await abortAllDurableObjects(); // the object reads its record from storage again

    const error = await c.err("get_run", { run_id: run.run_id });
    expect(error).toEqual({
      code: "internal",
      message: expect.stringMatching(/^get_run: internal error: .* at \/status: Instance does not match/),
    });
  });
});
