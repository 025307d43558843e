// Batching on the link: outputs of all runs are coalesced into frames of up to 500 items and cross a real
// socket to a hub that stores and acknowledges them. The rate is measured by `npm run bench`
// (runner-relay, big-log), not here.
import { afterEach, describe, expect, it } from "vitest";
import { FakeHub } from "./support/fake-hub.ts";
import { dialHub, message, range, seqs } from "./support/link.ts";
import { ManualClock } from "./support/manual-clock.ts";

let hub: FakeHub;
afterEach(async () => hub?.stop());

const EVENTS = 20_000;

/** A link to a new hub on a clock of the test's, coalescing for 100 ms, once connected. */
async function manualLink() {
  hub = await FakeHub.start({ autoAck: true });
  const clock = new ManualClock();
  const { link, nth } = dialHub(hub, { clock, batch: { maxItems: 500, maxBytes: 1 << 20, coalesceMs: 100 } });
  await nth("connected", 1);
  return { clock, link };
}

describe("link batching", () => {
  it(`relays ${EVENTS} events in order, in frames of many items`, async () => {
    hub = await FakeHub.start({ autoAck: true });
    const { link, nth } = dialHub(hub);
    await nth("connected", 1);
    for (const n of range(1, EVENTS)) {
      await link.send("run-a", n, {
        kind: "event",
        event: {
          type: "command_updated",
          data: { command_id: "c1", output: `line ${n} of the build log `.repeat(4) },
        },
      });
    }
    expect(await link.drained(10_000)).toBe(true);

    expect(seqs(hub.items("run-a"))).toEqual(range(1, EVENTS));
    const frames = hub.current.frames.filter((f) => f.type === "runs.outputs");
    expect(frames.length).toBeLessThanOrEqual(EVENTS / 100);
    await link.stop();
  });

  it("an idle link sends its first output at once; what follows within coalesceMs goes in one frame of all runs", async () => {
    const { clock, link } = await manualLink();
    const outputFrames = () => hub.current.frames.flatMap((f) => (f.type === "runs.outputs" ? [f] : []));

    await link.send("run-0", 1, message(1));
    clock.advance(0); // the clock does not move: only a frame due now can go
    await hub.waitFor(() => hub.items("run-0").length === 1, "the first output");

    const runs = range(1, 50).map((n) => `run-${n}`);
    for (const runId of runs) await link.send(runId, 1, message(1));
    clock.advance(99);
    await link.send("run-0", 2, message(2));
    clock.advance(1);
    await hub.waitFor(() => runs.every((runId) => hub.items(runId).length === 1), "every run's output");
    expect(await link.drained(5000)).toBe(true);

    const frames = outputFrames();
    expect(frames.map((f) => f.runs.length)).toEqual([1, 51]);
    expect(seqs(hub.items("run-0"))).toEqual([1, 2]);
    await link.stop();
  });

  it("a run's ending goes at once with what it waited behind, without waiting for coalesceMs", async () => {
    const { clock, link } = await manualLink();

    await link.send("run-a", 1, message(1));
    clock.advance(0); // the first output of an idle link is due now
    await hub.waitFor(() => hub.items("run-a").length === 1, "the first output");
    await link.send("run-a", 2, message(2));
    await link.send("run-a", 3, {
      kind: "event",
      event: { type: "run_completed", data: { final_response: "done" } },
    });
    // The clock does not move again: only a frame that goes at once can arrive.
    await hub.waitFor(() => hub.items("run-a").length === 3, "the ending");
    expect(seqs(hub.items("run-a"))).toEqual([1, 2, 3]);
    expect(hub.current.frames.filter((f) => f.type === "runs.outputs")).toHaveLength(2);
    await link.stop();
  });
});
