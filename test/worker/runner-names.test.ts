// A runner name held by a live connection: a second runner under it is refused (name_in_use), one
// asking to replace takes it, the same process reconnecting gets it back — and a link that is no
// longer live (silent for three heartbeats, or not an open socket) does not hold it.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env.ts";
import { CLOSE_CODES, PROTOCOL_VERSION, type WorkerFrame } from "../../shared/protocol/frames.ts";
import { RunAuthority } from "../../worker/runners/run-authority.ts";
import { RunnerLink } from "../../worker/runners/runner-link.ts";
import { openRunnerStorage } from "../../worker/storage/runner-storage.ts";
import { connect } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const codexFor = (runner: string) => ({ backend: "codex", prompt: "x", backend_config: { runner } });

describe("runner names over real WebSockets", () => {
  it("a second runner under a live runner's name is refused; the first keeps the name and its runs", async () => {
    const c = await connect();
    const first = await ScriptedRunner.connect({ name: "names-held" });
    await first.next("runner.welcome");
    const second = await ScriptedRunner.connect({ name: "names-held" });
    await expect(second.next("runner.welcome", () => true, 3_000)).rejects.toThrow(
      /socket closed \(4423 runner "names-held" is connected already \(heard \d+ s ago\)\)/,
    );
    expect(second.frames).toHaveLength(0);
    const run = await c.ok("spawn_run", codexFor("names-held"));
    expect((await first.next("run.dispatch")).run_id).toBe(run.run_id);
    expect(first.closed).toBeUndefined();
    first.close();
  });

  it("a runner asking to replace takes the name: the holder is closed with replaced", async () => {
    const c = await connect();
    const holder = await ScriptedRunner.connect({ name: "names-replace" });
    await holder.next("runner.welcome");
    const taker = await ScriptedRunner.connect({ name: "names-replace", replace: true });
    await taker.next("runner.welcome");
    await expect(holder.next("run.dispatch", () => true, 3_000)).rejects.toThrow(
      'socket closed (4409 a new connection took the name "names-replace")',
    );
    const run = await c.ok("spawn_run", codexFor("names-replace"));
    expect((await taker.next("run.dispatch")).run_id).toBe(run.run_id);
    taker.close();
  });

  it("the same runner process reconnecting gets its name back although its old link is still open", async () => {
    const old = await ScriptedRunner.connect({ name: "names-same", instance: "laptop-process" });
    await old.next("runner.welcome");
    const back = await ScriptedRunner.connect({ name: "names-same", instance: "laptop-process" });
    await back.next("runner.welcome");
    await expect(old.next("run.dispatch", () => true, 3_000)).rejects.toThrow(/4409/);
    back.close();
  });
});

describe("when a held link counts as live (the runner's link on real SQLite, its clock and sockets given)", () => {
  const HEARTBEAT_MS = 1000;
  const hello = (instance: string) => ({
    type: "runner.hello" as const,
    protocol: PROTOCOL_VERSION,
    name: "box",
    version: "test",
    labels: {},
    max_runs: 1,
    backends: [],
    roots: ["/"],
    instance,
    replace: false,
    active_runs: [],
  });

  /** A link whose first connection ("a", instance one) said hello at t=0 and was last heard `heardAt`. */
  async function holding(heardAt: number | null, now: number) {
    const runners = (env as unknown as Env).RUNNERS;
    const stub = runners.get(runners.newUniqueId());
    return runInDurableObject(stub, async (_instance, state) => {
      const closes: { connection: string; code: number; reason: string }[] = [];
      const sent: { connection: string; frame: WorkerFrame }[] = [];
      const hellos: string[] = [];
      let clock = 0;
      const link = new RunnerLink({
        tenant: "t",
        runner: "box",
        authority: new RunAuthority(openRunnerStorage(state.storage)),
        // The tenant's side only records which links it heard a hello from.
        hub: {
          hello: async (connection) => void hellos.push(connection),
          refused: async () => {},
          laneReply: async () => false,
          gone: async () => {},
        },
        send: (connection, frame) => (sent.push({ connection, frame }), true),
        close: (connection, { code }, reason) => closes.push({ connection, code, reason }),
        run: () => Promise.reject(new Error("no runs in this test")),
        now: () => clock,
        heartbeatMs: HEARTBEAT_MS,
        lastHeard: (connection) => (connection === "a" ? heardAt : null),
        graceMs: 60_000,
      });
      await link.onFrame("a", hello("one"));
      clock = now;
      await link.onFrame("b", hello("two"));
      const welcomed = sent.filter((s) => s.frame.type === "runner.welcome").map((s) => s.connection);
      expect(hellos).toEqual(welcomed);
      return { closes, welcomed };
    });
  }

  it("heard within three heartbeats: the newcomer is refused", async () => {
    const { closes, welcomed } = await holding(2_500, 3_000);
    expect(closes).toEqual([
      {
        connection: "b",
        code: CLOSE_CODES.name_in_use.code,
        reason: 'runner "box" is connected already (heard 1 s ago)',
      },
    ]);
    expect(welcomed).toEqual(["a"]);
  });

  it("silent for three heartbeats: the link is dead, the newcomer takes the name", async () => {
    const { closes, welcomed } = await holding(500, 3_600);
    expect(closes).toEqual([expect.objectContaining({ connection: "a", code: CLOSE_CODES.replaced.code })]);
    expect(welcomed).toEqual(["a", "b"]);
  });

  it("no longer an open socket (closed, or lost with a restart): the newcomer takes the name", async () => {
    const { closes, welcomed } = await holding(null, 100);
    expect(closes).toEqual([expect.objectContaining({ connection: "a", code: CLOSE_CODES.replaced.code })]);
    expect(welcomed).toEqual(["a", "b"]);
  });
});
