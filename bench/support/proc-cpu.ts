// CPU time of processes from /proc (Linux): what a piece of work cost each process, independent of
// what else the machine was doing meanwhile. Used to attribute the benchmark's cost to workerd,
// wrangler and the benchmark's own peers.
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface ProcInfo {
  pid: number;
  ppid: number;
  cmd: string;
  cpuMs: number;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may contain spaces) start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    return { pid, ppid: Number(rest[1]), cmd, cpuMs: (Number(rest[11]) + Number(rest[12])) * TICK_MS };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** `root` and all its descendants now. */
export function processTree(root: number): ProcInfo[] {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined);
  const tree: ProcInfo[] = [];
  const wanted = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!wanted.has(p.pid) && wanted.has(p.ppid)) {
        wanted.add(p.pid);
        grew = true;
      }
    }
  }
  for (const p of all) if (wanted.has(p.pid)) tree.push(p);
  return tree;
}

/** A short role for a process of the wrangler tree. */
export function roleOf(cmd: string): string {
  if (cmd.includes("workerd") && /--socket-addr=entry=127\.0\.0\.1:0\b/.test(cmd))
    return "workerd (Switchyard)";
  if (cmd.includes("workerd")) return "workerd (wrangler proxy)";
  if (cmd.includes("esbuild")) return "esbuild";
  if (cmd.includes("wrangler")) return "wrangler (node)";
  return cmd.split(" ")[0] ?? cmd;
}

/** CPU ms per role used by the tree under `root` between now and `stop()`. */
export function cpuMeter(roots: Record<string, number>) {
  const snap = () => {
    const m = new Map<string, number>();
    for (const [name, pid] of Object.entries(roots)) {
      for (const p of processTree(pid)) {
        const role = name === "wrangler" ? roleOf(p.cmd) : name;
        m.set(role, (m.get(role) ?? 0) + p.cpuMs);
      }
    }
    return m;
  };
  const before = snap();
  const startedSelf = process.cpuUsage();
  return {
    stop(): Record<string, number> {
      const after = snap();
      const out: Record<string, number> = {};
      for (const [role, ms] of after) out[role] = ms - (before.get(role) ?? 0);
      const self = process.cpuUsage(startedSelf);
      out["bench client"] = (self.user + self.system) / 1000;
      return out;
    },
  };
}

/**
 * The loopback URL of the workerd running Switchyard itself, behind wrangler's proxy: its listening
 * ports (from `ss`) probed for Switchyard's /health. Undefined when it cannot be found.
 */
export async function directWorkerUrl(wranglerPid: number): Promise<string | undefined> {
  const workerd = processTree(wranglerPid).find((p) => roleOf(p.cmd) === "workerd (Switchyard)");
  if (!workerd) return undefined;
  const { execFileSync } = await import("node:child_process");
  let listing: string;
  try {
    listing = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
  } catch {
    return undefined; // no ss on this machine
  }
  const ports = listing
    .split("\n")
    .filter((line) => line.includes(`pid=${workerd.pid},`))
    .map((line) => /127\.0\.0\.1:(\d+)/.exec(line)?.[1])
    .filter((port): port is string => port !== undefined);
  for (const port of ports) {
    const url = `http://127.0.0.1:${port}`;
    const body = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.text())
      .catch(() => "");
    if (body.includes('"service":"switchyard"')) return url;
  }
  return undefined;
}
