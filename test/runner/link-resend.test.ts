// The resend queue through a real socket: what the Worker did not acknowledge goes again, in order,
// after a reconnect (refusals too); what it acknowledged does not; a full queue holds its producer back.
import { afterEach, describe, expect, it } from "vitest";
import { FakeHub } from "./support/fake-hub.ts";
import { dialHub, message, range, seqs } from "./support/link.ts";
import { ManualClock } from "./support/manual-clock.ts";

let hub: FakeHub;
afterEach(async () => hub?.stop());

describe("resend queue over the link", () => {
  it("resends unacknowledged outputs in order after a cut, and not the acknowledged ones", async () => {
    hub = await FakeHub.start({ autoAck: false });
    const { link } = dialHub(hub);
    await hub.waitFor(() => hub.connections.length === 1 && hub.current.frames.length === 1, "hello");
    for (const n of range(1, 10)) await link.send("run-a", n, message(n));
    await hub.waitFor(() => hub.items("run-a").length === 10, "10 items");

    hub.ack("run-a", 4);
    // A retryable close after the ack: the runner reads the ack before it sees the close.
    hub.close(4408, "stale");
    await hub.waitFor(
      () => hub.connections.length === 2 && hub.items("run-a", hub.current).length === 6,
      "resend",
    );
    expect(seqs(hub.items("run-a", hub.current))).toEqual(range(5, 10));
    expect(hub.items("run-a", hub.current).map((i) => i.output)).toEqual(range(5, 10).map(message));

    // An abrupt cut this time; nothing was acknowledged since, so the same six go again.
    hub.cut();
    await hub.waitFor(
      () => hub.connections.length === 3 && hub.items("run-a", hub.current).length === 6,
      "2nd resend",
    );
    expect(seqs(hub.items("run-a", hub.current))).toEqual(range(5, 10));

    hub.ack("run-a", 10);
    await link.send("run-a", 11, message(11));
    await hub.waitFor(() => hub.items("run-a", hub.current).length === 7, "new item");
    hub.close(4408, "stale");
    await hub.waitFor(
      () => hub.connections.length === 4 && hub.items("run-a", hub.current).length === 1,
      "3rd resend",
    );
    expect(seqs(hub.items("run-a", hub.current))).toEqual([11]);
    await link.stop();
  });

  it("keeps each run's order when several runs interleave", async () => {
    hub = await FakeHub.start({ autoAck: false });
    const { link } = dialHub(hub);
    for (const n of range(1, 5)) {
      await link.send("run-a", n, message(n));
      await link.send("run-b", n, message(n));
    }
    await hub.waitFor(() => hub.items("run-a").length === 5 && hub.items("run-b").length === 5, "both runs");
    hub.ack("run-b", 5);
    hub.close(4408);
    await hub.waitFor(
      () => hub.connections.length === 2 && hub.items("run-a", hub.current).length === 5,
      "resend",
    );
    expect(seqs(hub.items("run-a", hub.current))).toEqual(range(1, 5));
    expect(hub.items("run-b", hub.current)).toEqual([]);
    expect(link.pendingRunIds()).toEqual(["run-a"]);
    await link.stop();
  });

  it("sends a refusal made while the link is down once it is up again", async () => {
    hub = await FakeHub.start();
    const clock = new ManualClock();
    const { link, nth } = dialHub(hub, { clock });
    await nth("connected", 1);
    hub.cut();
    await nth("lost", 1);
    link.refuse({ type: "run.refused", run_id: "run-a", code: "no_free_slot", reason: "busy" });
    clock.advance(10);
    await hub.waitFor(() => hub.connections.length === 2 && hub.refusals().length === 1, "the refusal");
    expect(hub.current.frames.map((f) => f.type)).toEqual(["runner.hello", "run.refused"]);
    await link.stop();
  });

  it("holds the producer back while a run's queue is full, and drops nothing", async () => {
    hub = await FakeHub.start({ autoAck: false });
    const { link } = dialHub(hub, { capacityPerRun: 5 });
    for (const n of range(1, 5)) await link.send("run-a", n, message(n));
    let sixthQueued = false;
    const sixth = link.send("run-a", 6, message(6)).then(() => (sixthQueued = true));
    await hub.waitFor(() => hub.items("run-a").length === 5, "first five");
    expect(sixthQueued).toBe(false);

    hub.ack("run-a", 1);
    await sixth;
    await hub.waitFor(() => hub.items("run-a").length === 6, "the sixth");
    expect(seqs(hub.items("run-a"))).toEqual(range(1, 6));
    hub.ack("run-a", 6);
    expect(await link.drained(5000)).toBe(true);
    await link.stop();
  });

  it("pauses sending while maxInFlightBytes wait for acks, the runs taking turns, and goes on as acks arrive", async () => {
    hub = await FakeHub.start({ autoAck: false });
    const itemBytes = JSON.stringify({ source_seq: 1, output: message(1) }).length;
    // Room for three items in flight; one item per frame, so each frame's size is known.
    const { link } = dialHub(hub, {
      maxInFlightBytes: itemBytes * 3,
      batch: { maxItems: 1, maxBytes: 1 << 20, coalesceMs: 1 },
    });
    for (const n of range(1, 6)) {
      await link.send("run-a", n, message(n));
      await link.send("run-b", n, message(n));
    }
    await hub.waitFor(() => hub.items("run-a").length + hub.items("run-b").length === 3, "a full window");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hub.items("run-a").length + hub.items("run-b").length).toBe(3);
    expect(hub.items("run-b").length).toBeGreaterThan(0);

    for (let acked = 1; acked <= 6; acked++) {
      hub.ack("run-a", acked);
      hub.ack("run-b", acked);
      await hub.waitFor(
        () =>
          hub.items("run-a").length >= Math.min(6, acked + 1) &&
          hub.items("run-b").length >= Math.min(6, acked + 1),
        `window after ack ${acked}`,
      );
    }
    expect(seqs(hub.items("run-a"))).toEqual(range(1, 6));
    expect(seqs(hub.items("run-b"))).toEqual(range(1, 6));
    expect(await link.drained(5000)).toBe(true);
    await link.stop();
  });
});
