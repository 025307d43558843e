// The process reaper against real processes: it finds a turn's processes (and their children) by
// the marker in their environment, and ends them, SIGKILLing what ignores SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  findMarkedProcesses,
  isAlive,
  newTurnMarker,
  reapMarkedProcesses,
  TURN_MARKER_VAR,
  withTurnMarker,
} from "../../runner/agents/process-reaper.ts";
import { waitFor } from "./support/agent-harness.ts";

const started: ChildProcess[] = [];

/** A shell that starts a child and, when asked, ignores SIGTERM itself. */
function startShell(marker: string, ignoreTerm: boolean): ChildProcess {
  const script = `${ignoreTerm ? "trap '' TERM; " : ""}sleep 60 & wait`;
  const child = spawn("sh", ["-c", script], {
    env: withTurnMarker({ PATH: process.env.PATH }, marker),
    stdio: "ignore",
  });
  started.push(child);
  return child;
}

afterEach(() => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
});

describe("process reaper", () => {
  it("builds the agent environment: unset values dropped, the marker added", () => {
    expect(withTurnMarker({ A: "1", B: undefined }, "m")).toEqual({ A: "1", [TURN_MARKER_VAR]: "m" });
  });

  it("finds a turn's processes and their children, and nothing of other turns", async () => {
    const marker = newTurnMarker();
    const shell = startShell(marker, false);
    startShell(newTurnMarker(), false);
    await waitFor(async () => (await findMarkedProcesses(marker)).length === 2);

    expect(await findMarkedProcesses(marker)).toContain(shell.pid);
    expect(await findMarkedProcesses(newTurnMarker())).toEqual([]);
  });

  it("ends them all, SIGKILLing a process that ignores SIGTERM after the grace period", async () => {
    const marker = newTurnMarker();
    startShell(marker, true);
    startShell(marker, false);
    await waitFor(async () => (await findMarkedProcesses(marker)).length === 4);
    const pids = await findMarkedProcesses(marker);

    const reaped = await reapMarkedProcesses(marker, { graceMs: 100 });

    expect(reaped.sort()).toEqual(pids.sort());
    for (const pid of pids) expect(await isAlive(pid)).toBe(false);
  });

  it("does nothing when no process carries the marker", async () => {
    expect(await reapMarkedProcesses(newTurnMarker())).toEqual([]);
  });
});
