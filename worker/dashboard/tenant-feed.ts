// The tenant's live feed to its dashboards: which runs, lanes and runners changed. Each kind is
// coalesced — the first change arms a short timer and everything until it fires goes out as one
// message — so a burst costs a dashboard one message per kind, never one per row.
import type { TenantLiveMessage } from "../../shared/dashboard/live-messages.ts";

/** The tag the tenant's object gives its dashboard sockets (runners dial objects of their own). */
export const FEED_TAG = "dashboard-feed";
/** How long changes of one kind are gathered before they are sent (ms). */
export const FEED_COALESCE_MS = 100;

type Kind = TenantLiveMessage["type"];

export interface TenantFeedDeps {
  /** The open dashboard sockets. */
  sockets(): Iterable<WebSocket>;
}

export class TenantFeed {
  readonly #deps: TenantFeedDeps;
  readonly #pending = new Map<Kind, Set<string>>();

  constructor(deps: TenantFeedDeps) {
    this.#deps = deps;
  }

  runs(runIds: string[]): void {
    this.#note("runs_changed", runIds);
  }

  lanes(laneIds: string[]): void {
    this.#note("lanes_changed", laneIds);
  }

  runners(): void {
    this.#note("runners_changed", []);
  }

  #note(kind: Kind, ids: string[]): void {
    const pending = this.#pending.get(kind);
    if (pending) {
      for (const id of ids) pending.add(id);
      return;
    }
    // Nobody watching: nothing to gather.
    if (this.#deps.sockets()[Symbol.iterator]().next().done) return;
    this.#pending.set(kind, new Set(ids));
    setTimeout(() => this.#flush(kind), FEED_COALESCE_MS);
  }

  #flush(kind: Kind): void {
    const ids = [...(this.#pending.get(kind) ?? [])];
    this.#pending.delete(kind);
    const message: TenantLiveMessage =
      kind === "runs_changed"
        ? { type: kind, run_ids: ids }
        : kind === "lanes_changed"
          ? { type: kind, lane_ids: ids }
          : { type: kind };
    const text = JSON.stringify(message);
    for (const socket of this.#deps.sockets()) {
      try {
        socket.send(text);
      } catch {
        // A socket closing meanwhile misses this message; its close is handled on its own.
      }
    }
  }
}
