// CPU profiles of the Worker under `wrangler dev`, over the inspector (Chrome DevTools Protocol)
// wrangler exposes: start, stop, and a summary of where self time went. Used by `--profile`.
import { writeFileSync } from "node:fs";
import { WebSocket } from "ws";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Profiler {
  stop(file: string): Promise<ProfileSummary>;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time (ms) and its share spent idle (program/idle/GC are separated). */
  totalMs: number;
  top: { fn: string; where: string; selfMs: number; pct: number }[];
}

/** Attaches to `ws://127.0.0.1:<port>/ws` and starts sampling every `intervalUs`. */
export async function startProfiler(inspectorPort: number, intervalUs = 200): Promise<Profiler> {
  const ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`);
  // The `ws` package, not Node's WebSocket: wrangler's inspector proxy refuses the latter's handshake.
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", (e) =>
      reject(new Error(`cannot attach to the inspector on port ${inspectorPort}: ${e.message}`)),
    );
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  // wrangler's proxy enables the Network and Debugger domains for a devtools client; both make
  // every Response and RPC capture a stack trace, which would dominate the profile.
  await send("Network.disable");
  await send("Debugger.disable");
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: intervalUs });
  await send("Profiler.start");
  return {
    async stop(file) {
      const { profile } = (await send("Profiler.stop")) as { profile: Profile };
      ws.close();
      writeFileSync(file, JSON.stringify(profile));
      return { file, ...summarizeProfile(profile, intervalUs) };
    },
  };
}

export function summarizeProfile(
  profile: Profile,
  intervalUs: number,
  topN = 25,
): Omit<ProfileSummary, "file"> {
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  // Counted, not timed by the deltas: the isolate is not sampled while it waits, so the sample
  // before a pause would otherwise be charged with the whole pause.
  for (const id of samples) self.set(id, (self.get(id) ?? 0) + intervalUs);
  const byFn = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, "")}:${lineNumber + 1}` : "";
    const key = `${functionName}@${where}`;
    const entry = byFn.get(key) ?? { fn: functionName || "(anonymous)", where, us: 0 };
    entry.us += us;
    byFn.set(key, entry);
  }
  const top = [...byFn.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => ({
      fn: e.fn,
      where: e.where,
      selfMs: Math.round(e.us / 100) / 10,
      pct: Math.round((e.us / total) * 1000) / 10,
    }));
  return { totalMs: Math.round(total / 1000), top };
}
