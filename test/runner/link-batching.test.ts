// Batching on the link: outputs are coalesced into frames of up to 200 items and cross a real
// socket to a hub that stores and acknowledges them. The rate is measured by `npm run bench`
// (runner-relay, big-log), not here.
import { afterEach, describe, expect, it } from "vitest";
import { FakeHub } from "./support/fake-hub.ts";
import { dialHub, range, seqs } from "./support/link.ts";

let hub: FakeHub;
afterEach(async () => hub?.stop());

const EVENTS = 20_000;

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
    const frames = hub.current.frames.filter((f) => f.type === "run.outputs");
    expect(frames.length).toBeLessThanOrEqual(EVENTS / 100);
    await link.stop();
  });
});
