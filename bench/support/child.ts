// Starts a Node helper process of the benchmark (agent, fake model, floor server) with an IPC
// channel: it reports `{type: "ready", ...}` when listening, answers `{type: "clock"}` with its
// wall clock, and is killed with its whole process group on cleanup.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Cleanup } from "./cleanup.ts";
import { wallMs } from "./stats.ts";

export interface Child<Ready> {
  pid: number;
  ready: Ready;
  /** The child's clock minus ours (ms), estimated over IPC; `rttMs` bounds its error. */
  clockOffset(): Promise<{ offsetMs: number; rttMs: number }>;
  stop(): Promise<void>;
}

/** Spawns `node <script> <args>`, resolves once it is ready (or fails after `startMs`). */
export async function startChild<Ready>(
  cleanup: Cleanup,
  script: string,
  args: string[] = [],
  startMs = 20_000,
): Promise<Child<Ready>> {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  const stop = () => killGroup(child);
  cleanup.defer(script, stop);
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} was not ready within ${startMs} ms`)),
      startMs,
    );
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    child.on("message", (m: { type?: string }) => {
      if (m?.type !== "ready") return;
      clearTimeout(timer);
      resolve(m as Ready);
    });
  });
  return {
    pid: child.pid!,
    ready,
    async clockOffset() {
      let best = { offsetMs: 0, rttMs: Infinity };
      for (let i = 0; i < 20; i++) {
        const t0 = wallMs();
        child.send({ type: "clock" });
        const [reply] = (await once(child, "message")) as [{ type: string; now: number }];
        const t1 = wallMs();
        if (t1 - t0 < best.rttMs) best = { offsetMs: reply.now - (t0 + t1) / 2, rttMs: t1 - t0 };
      }
      return best;
    },
    stop,
  };
}

/** In a helper process: reports ready with `fields`, and answers clock requests. */
export function serveChild(fields: Record<string, unknown>): void {
  process.on("message", (m: { type?: string }) => {
    if (m?.type === "clock") process.send!({ type: "clock", now: wallMs() });
  });
  // The parent going away ends the helper too.
  process.on("disconnect", () => process.exit(0));
  process.send!({ type: "ready", ...fields });
}

/** SIGTERM to the child's process group, SIGKILL after 3 s; resolves once it exited. */
export async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }, 3000);
  await exited;
  clearTimeout(timer);
}
