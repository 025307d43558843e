// The process tree under a pid, read from /proc: how tests count the agent processes a runner
// started, independently of the reaper under test.
import { readdir, readFile } from "node:fs/promises";

/** Live descendants of `root` whose environment contains `entry` (e.g. `HOME=/tmp/…`). */
export async function agentsUnder(root: number, entry: string): Promise<number[]> {
  const parents = new Map<number, number>();
  const states = new Map<number, string>();
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    if (!stat) continue;
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
    const [state = "", ppid = ""] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    parents.set(Number(name), Number(ppid));
    states.set(Number(name), state);
  }
  const under = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  const found: number[] = [];
  for (const pid of parents.keys()) {
    if (!under(pid) || states.get(pid) === "Z") continue;
    const environ = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
    if (environ.split("\0").includes(entry)) found.push(pid);
  }
  return found;
}
