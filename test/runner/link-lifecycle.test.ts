// The link's lifecycle against a real socket: how the token travels, which closes end the runner
// and which retry, heartbeats and dead links, and when the backoff attempt counter resets.
import { afterEach, describe, expect, it } from "vitest";
import { toConnectUrl } from "../../runner/link/dialer.ts";
import { PING_TEXT, RUNNER_NAME_HEADER } from "../../shared/protocol/frames.ts";
import { FakeHub } from "./support/fake-hub.ts";
import { dialHub } from "./support/link.ts";
import { ManualClock } from "./support/manual-clock.ts";

let hub: FakeHub;
afterEach(async () => hub?.stop());

const pings = () => hub.current.texts.filter((t) => t === PING_TEXT).length;

describe("dialing", () => {
  it("sends the token as a Bearer header on /runner/connect, never in the URL", async () => {
    hub = await FakeHub.start();
    const { link, nth } = dialHub(hub);
    await nth("connected", 1);
    const { request } = hub.current;
    expect(request.headers.authorization).toBe("Bearer runner-token");
    expect(request.url).toBe("/runner/connect");
    expect(request.headers[RUNNER_NAME_HEADER]).toBe("test-runner");
    expect(request.headers["sec-websocket-protocol"]).toBeUndefined();
    expect(hub.current.frames[0]).toMatchObject({ type: "runner.hello", name: "test-runner" });
    await link.stop();
  });

  it("maps base URLs to the WebSocket endpoint", () => {
    expect(toConnectUrl("https://switchyard.example.com")).toBe(
      "wss://switchyard.example.com/runner/connect",
    );
    expect(toConnectUrl("http://127.0.0.1:8787/")).toBe("ws://127.0.0.1:8787/runner/connect");
    expect(toConnectUrl("wss://host/base/")).toBe("wss://host/base/runner/connect");
  });
});

describe("close codes", () => {
  it("stops for good when the token is refused", async () => {
    hub = await FakeHub.start({ token: "another-token" });
    const { events, nth } = dialHub(hub, { clock: new ManualClock() });
    expect(await nth("fatal", 1)).toMatchObject({ close: "unauthorized", code: 4401 });
    expect(events.map((e) => e.type)).toEqual(["fatal"]);
  });

  it("stops for good when another runner takes the name", async () => {
    hub = await FakeHub.start();
    const { events, nth } = dialHub(hub, { clock: new ManualClock() });
    await nth("connected", 1);
    hub.close(4409, "replaced");
    expect(await nth("fatal", 1)).toMatchObject({ close: "replaced", code: 4409, reason: "replaced" });
    expect(events.map((e) => e.type)).toEqual(["connected", "fatal"]);
  });

  it("dials again after a retryable close or a cut", async () => {
    hub = await FakeHub.start();
    const { link, nth } = dialHub(hub);
    await nth("connected", 1);
    hub.close(4400, "bad frame");
    expect(await nth("lost", 1)).toMatchObject({ code: 4400, welcomed: true });
    await nth("connected", 2);
    hub.cut();
    expect(await nth("lost", 2)).toMatchObject({ code: 1006 });
    await nth("connected", 3);
    expect(hub.connections).toHaveLength(3);
    await link.stop();
  });

  it("retries when the Worker cannot be reached", async () => {
    hub = await FakeHub.start();
    const url = hub.url;
    await hub.stop();
    const clock = new ManualClock();
    const { link, nth } = dialHub(hub, { url, clock });
    expect(await nth("lost", 1)).toMatchObject({ code: 1006, welcomed: false });
    clock.advance(10);
    await nth("lost", 2);
    await link.stop();
  });
});

describe("heartbeat", () => {
  it("pings every heartbeat and treats three silent heartbeats as a dead link", async () => {
    hub = await FakeHub.start({ heartbeatMs: 1000, pong: false });
    const clock = new ManualClock();
    const { link, events, nth } = dialHub(hub, { clock });
    await nth("connected", 1);
    const first = hub.current;
    clock.advance(1000);
    await hub.waitFor(() => pings() === 1, "ping 1");
    clock.advance(1000);
    await hub.waitFor(() => pings() === 2, "ping 2");
    expect(events.map((e) => e.type)).toEqual(["connected"]);
    clock.advance(1000); // the retry (random 0: no delay) fires within this advance too
    expect(await nth("lost", 1)).toMatchObject({ code: 4408, reason: "no pong for 3000 ms" });
    await hub.waitFor(() => first.socket.readyState === first.socket.CLOSED, "first link closed");
    await nth("connected", 2);
    await link.stop();
  });

  it("stays up while the Worker answers", async () => {
    hub = await FakeHub.start({ heartbeatMs: 1000, pong: true });
    const clock = new ManualClock();
    const { link, events, frames, nth, until } = dialHub(hub, { clock });
    await nth("connected", 1);
    for (let beat = 1; beat <= 6; beat++) {
      clock.advance(1000);
      await hub.waitFor(() => pings() === beat, `ping ${beat}`);
      // The pong went out before this frame; once the runner has the frame, it has the pong.
      hub.send({ type: "run.cancel", run_id: `marker-${beat}` });
      await until(() => frames.length === beat, `marker ${beat}`);
    }
    expect(events.map((e) => e.type)).toEqual(["connected"]);
    await link.stop();
  });
});

describe("backoff", () => {
  it("grows the delay while links keep failing, and starts over after a stable link", async () => {
    hub = await FakeHub.start();
    const clock = new ManualClock();
    const { link, nth } = dialHub(hub, { clock, backoff: { baseMs: 100, capMs: 10_000, random: () => 0.5 } });
    await nth("connected", 1);
    hub.close(4408);
    expect(await nth("lost", 1)).toMatchObject({ retryInMs: 50 });
    clock.advance(50);
    await nth("connected", 2);
    hub.close(4408);
    expect(await nth("lost", 2)).toMatchObject({ retryInMs: 100 });
    clock.advance(100);
    await nth("connected", 3);
    clock.advance(30_000);
    hub.close(4408);
    expect(await nth("lost", 3)).toMatchObject({ retryInMs: 50 });
    await link.stop();
  });
});
