// Builds a dialer pointed at a FakeHub for link tests: instant reconnects, recorded link events.
import {
  createDialer,
  type DialerOptions,
  type Link,
  type LinkEvent,
  type RunFrame,
} from "../../../runner/link/dialer.ts";
import type { RelayedOutput } from "../../../runner/link/resend-queue.ts";
import { PROTOCOL_VERSION } from "../../../shared/protocol/frames.ts";
import { Changes } from "./changes.ts";
import type { FakeHub } from "./fake-hub.ts";

export interface TestLink {
  link: Link;
  events: LinkEvent[];
  frames: RunFrame[];
  /** Resolves once the link has reported `count` events of this type in all. */
  nth(type: LinkEvent["type"], count: number): Promise<LinkEvent>;
  /** Resolves once `check` holds, re-checked on every link event and frame. */
  until(check: () => boolean, what: string): Promise<void>;
}

export function dialHub(hub: FakeHub, options: Partial<DialerOptions> = {}): TestLink {
  const events: LinkEvent[] = [];
  const frames: RunFrame[] = [];
  const changes = new Changes();
  const link = createDialer({
    token: "runner-token",
    hello: () => ({
      type: "runner.hello",
      protocol: PROTOCOL_VERSION,
      name: "test-runner",
      version: "0.0.0",
      labels: {},
      max_runs: 4,
      backends: [],
      roots: ["/"],
      instance: "test-instance",
      replace: false,
      active_runs: [],
    }),
    onFrame: (frame) => {
      frames.push(frame);
      changes.notify();
    },
    onEvent: (event) => {
      events.push(event);
      changes.notify();
    },
    backoff: { baseMs: 10, capMs: 10, random: () => 0 },
    ...options,
    url: options.url ?? hub.url,
  });
  link.start();
  const until = (check: () => boolean, what: string) => changes.until(check, what);
  const nth = async (type: LinkEvent["type"], count: number) => {
    const matching = () => events.filter((e) => e.type === type);
    await until(() => matching().length >= count, `${type} #${count}`);
    return matching()[count - 1]!;
  };
  return { link, events, frames, nth, until };
}

/** The n-th output of a run, distinguishable in assertions. */
export const message = (n: number): RelayedOutput => ({
  kind: "event",
  event: { type: "agent_message", data: { text: `m${n}` } },
});

export const seqs = (items: { source_seq: number }[]) => items.map((i) => i.source_seq);

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
