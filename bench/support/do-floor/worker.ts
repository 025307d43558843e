// The floor of fan-out on this machine: a Worker that creates Durable Objects with SQLite storage
// and does the least a run object must — one table, one row — once as plain DurableObjects and once
// as `agents` Agents; and, beside them, Switchyard's own RunObject through its `create` call (a
// runner run, so no backend starts). Started by the fan-out scenario with wrangler dev.
import { DurableObject } from "cloudflare:workers";
import { Agent } from "agents";
import { RunObject } from "../../../worker/objects/run-object.ts";
import { newRunRecord } from "../../../worker/runs/spawn.ts";

export { RunObject };

interface Touchable {
  touch(): Promise<number>;
}

interface Env {
  PLAIN: DurableObjectNamespace<PlainObject>;
  AGENT: DurableObjectNamespace<AgentObject>;
  RUNS: DurableObjectNamespace<RunObject>;
}

/** A new codex run's record, as a spawn makes it. */
function runRecord(runId: string) {
  return newRunRecord(
    {
      backend: "codex",
      role: "worker",
      spec: { message: { role: "user", parts: [{ kind: "text", text: "go" }] }, config: {} },
      session_mode: "new",
      metadata: {},
      fingerprint: runId,
      timeout_s: 3600,
    },
    {
      tenant: "floor",
      run_id: runId,
      session_id: `ses_${runId}`,
      agent_name: "worker",
      placement: "runner",
      now: new Date().toISOString(),
    },
  );
}

export class PlainObject extends DurableObject implements Touchable {
  async touch(): Promise<number> {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, data TEXT NOT NULL)");
    this.ctx.storage.sql.exec("INSERT INTO t (data) VALUES (?)", "x");
    return 1;
  }
}

export class AgentObject extends Agent<Env> implements Touchable {
  async touch(): Promise<number> {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, data TEXT NOT NULL)");
    this.ctx.storage.sql.exec("INSERT INTO t (data) VALUES (?)", "x");
    return 1;
  }
}

/** GET /?kind=plain|agent|run&n=500: creates n new objects of that kind, all at once. */
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const n = Number(url.searchParams.get("n") ?? "1");
    const tag = crypto.randomUUID();
    if (url.searchParams.get("kind") === "run") {
      const runs = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          env.RUNS.getByName(`floor/${tag}-${i}`).create(runRecord(`${tag}-${i}`), {}),
        ),
      );
      return Response.json({ created: runs.length });
    }
    const ns = (
      url.searchParams.get("kind") === "agent" ? env.AGENT : env.PLAIN
    ) as DurableObjectNamespace<PlainObject>;
    const done = await Promise.all(Array.from({ length: n }, (_, i) => ns.getByName(`${tag}-${i}`).touch()));
    return Response.json({ created: done.length });
  },
};
