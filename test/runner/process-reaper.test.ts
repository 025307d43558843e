// The process reaper against real processes: it finds a turn's processes (and their children) by
// the marker in their environment, and ends them, SIGKILLing what ignores SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import {
  findMarkedProcesses,
  isAlive,
  newTurnMarker,
  reapMarkedProcesses,
  reapOrphans,
  RUNNER_TAG_VAR,
  TURN_MARKER_VAR,
  withTurnMarker,
} from "../../runner/agents/process-reaper.ts";
import { waitFor } from "./support/agent-harness.ts";

const started: ChildProcess[] = [];

/** A shell that starts a child and, when asked, ignores SIGTERM itself. */
function startShell(marker: string, ignoreTerm: boolean): ChildProcess {
  markers.push(marker);
  const script = `${ignoreTerm ? "trap '' TERM; " : ""}sleep 60 & wait`;
  const child = spawn("sh", ["-c", script], {
    env: withTurnMarker({ PATH: process.env.PATH }, marker),
    stdio: "ignore",
  });
  started.push(child);
  return child;
}

const markers: string[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
  // The shells' children outlive a SIGKILLed shell.
  for (const marker of markers.splice(0)) await reapMarkedProcesses(marker, { graceMs: 0 });
});

describe("process reaper", () => {
  it("builds the agent environment: unset values dropped, the marker and this process's tag added", async () => {
    const stat = await readFile(`/proc/${process.pid}/stat`, "utf8");
    const startTime = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    expect(withTurnMarker({ A: "1", B: undefined }, "m")).toEqual({
      A: "1",
      [TURN_MARKER_VAR]: "m",
      [RUNNER_TAG_VAR]: `${process.pid}:${startTime}`,
    });
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

  it("ends the agents of runners that are gone, and nothing a live runner started", async () => {
    const stat = await readFile(`/proc/${process.ppid}/stat`, "utf8");
    const liveTag = `${process.ppid}:${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]}`;
    const start = (tag: string) => {
      const child = spawn("sleep", ["60"], { env: { [RUNNER_TAG_VAR]: tag }, stdio: "ignore" });
      started.push(child);
      return child.pid!;
    };
    const ofLiveRunner = start(liveTag);
    // A runner pid that no longer exists, and one reused by a process started at another time.
    const orphans = [start("4194999:1"), start(`${process.ppid}:1`)];
    await waitFor(async () =>
      (await Promise.all([ofLiveRunner, ...orphans].map((p) => isAlive(p)))).every(Boolean),
    );

    // Leftovers of earlier test processes on this machine are orphans too, and go with them.
    const reaped = await reapOrphans({ graceMs: 100 });
    expect(reaped).toEqual(expect.arrayContaining(orphans));
    expect(reaped).not.toContain(ofLiveRunner);
    for (const pid of orphans) expect(await isAlive(pid)).toBe(false);
    expect(await isAlive(ofLiveRunner)).toBe(true);
  });

  it("its guard ends the agents of a runner that is SIGKILLed, at once", async () => {
    const reaper = new URL("../../runner/agents/process-reaper.ts", import.meta.url).href;
    // A stand-in runner: starts its guard and one agent, prints the agent's pid, and waits.
    const source = `
      import { spawn } from "node:child_process";
      import { guardAgentsAfterExit, newTurnMarker, withTurnMarker } from ${JSON.stringify(reaper)};
      guardAgentsAfterExit();
      const agent = spawn("sleep", ["60"], { env: withTurnMarker({}, newTurnMarker()), stdio: "ignore", detached: true });
      console.log(agent.pid);
      setInterval(() => {}, 1000);`;
    const runner = spawn(process.execPath, ["--input-type=module", "-e", source], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    started.push(runner);
    let out = "";
    runner.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => out.includes("\n"));
    const agentPid = Number(out.trim());
    expect(await isAlive(agentPid)).toBe(true);

    runner.kill("SIGKILL");

    await waitFor(async () => !(await isAlive(agentPid)), 10_000);
  });

  it("does nothing when no process carries the marker", async () => {
    expect(await reapMarkedProcesses(newTurnMarker())).toEqual([]);
  });
});
