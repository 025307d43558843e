// The floor of fan-out on this machine: a Worker that creates Durable Objects with SQLite storage
// and does the least a run object must — one table, one row — once as plain DurableObjects and once
// as `agents` Agents (what RunObject extends). Started by the fan-out scenario with wrangler dev.
import { DurableObject } from "cloudflare:workers";
import { Agent } from "agents";

interface Touchable {
  touch(): Promise<number>;
}

interface Env {
  PLAIN: DurableObjectNamespace<PlainObject>;
  AGENT: DurableObjectNamespace<AgentObject>;
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

/** GET /?kind=plain|agent&n=500: creates n new objects of that kind, all at once. */
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    const n = Number(url.searchParams.get("n") ?? "1");
    const ns = (
      url.searchParams.get("kind") === "agent" ? env.AGENT : env.PLAIN
    ) as DurableObjectNamespace<PlainObject>;
    const tag = crypto.randomUUID();
    const done = await Promise.all(Array.from({ length: n }, (_, i) => ns.getByName(`${tag}-${i}`).touch()));
    return Response.json({ created: done.length });
  },
};
