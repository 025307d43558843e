// The runner proper: holds up to max_runs runs dispatched over the link, drives each through its
// local agent, numbers every output with the run's source_seq, and prints one line per change.
// The socket and resend queue are link/dialer.ts's; argv parsing is cli.ts's.
import { runFailed, type BackendOutput, type BackendRun } from "../shared/backends/backend.ts";
import { PROTOCOL_VERSION, type DispatchFrame, type ProbedBackend } from "../shared/protocol/frames.ts";
import type { InputMessage } from "../shared/runs/messages.ts";
import { isTerminal, statusAfter, type TerminalStatus } from "../shared/runs/status.ts";
import { errorText, type LocalAgent } from "./agents/agent.ts";
import {
  guardAgentsAfterExit,
  newTurnMarker,
  reapMarkedProcesses,
  reapOrphans,
} from "./agents/process-reaper.ts";
import { answerLaneRequest, type LaneRequest } from "./lanes/lane-requests.ts";
import { afterLaneTurn, turnStart, type LaneTurnContext } from "./lanes/lane-turn.ts";
import { createDialer, type DialerOptions, type RunFrame } from "./link/dialer.ts";
import { linkEventLine } from "./link-lines.ts";
import { LOCAL_AGENTS, type AgentTable } from "./local-agents.ts";
import { prepareRun, type Refusal } from "./prepare-run.ts";
import { probeBackends } from "./probe.ts";
import { reportedRoots, resolveRoots } from "./roots.ts";
import pkg from "./package.json" with { type: "json" };

/** What `switchyard-runner connect` runs with (see cli.ts). */
export interface RunnerConfig {
  /** Switchyard base URL; the link dials `${url}/runner/connect`. */
  url: string;
  token: string;
  name: string;
  labels: Record<string, string>;
  /** Directories runs may work in (at or below); at least one. */
  roots: string[];
  maxRuns: number;
  /** Take the name from a live connection holding it (on the first connection only). */
  replace: boolean;
  /** Serve lanes (`--lanes`): runs in git worktrees, land and reclaim; announced as the label `lanes: "true"`. */
  lanes?: boolean;
}

/** What tests and embedders replace; production defaults otherwise. */
export interface RunnerDeps {
  agents?: AgentTable;
  probe?: () => Promise<ProbedBackend[]>;
  /** Receives one human-readable line per change. */
  log?: (line: string) => void;
  link?: Pick<
    DialerOptions,
    "socket" | "clock" | "backoff" | "stableMs" | "handshakeMs" | "capacityPerRun" | "batch"
  >;
  /** How long stop() waits for the last outputs to be acknowledged (ms). */
  drainMs?: number;
}

export interface RunnerHandle {
  /** Cancels every run, waits (bounded) for its last outputs to be acknowledged, closes the link. */
  stop(why?: string): Promise<number>;
  /** Resolves with the exit code once the runner has stopped: 0 after stop(), 1 after a fatal close. */
  readonly done: Promise<number>;
}

interface HeldRun {
  spec: BackendRun;
  backend: string;
  agent: LocalAgent;
  /** Tags every process the run's agent starts (process-reaper.ts). */
  marker: string;
  /** The source_seq of the run's last output so far. */
  seq: number;
  /** Events this runner produced for the run, reported when it ends (so logs can be checked). */
  events: number;
  abort: AbortController;
  /** Settles when `abort` fires; one per run, raced against every relay. */
  aborted: Promise<void>;
  /** The turn in progress, with any continues chained behind it; undefined while idle. */
  turn: Promise<void> | undefined;
  /** A lane run's worktree and what its turns record there. */
  lane: Omit<LaneTurnContext, "signal"> | undefined;
}

/** Idle runs (turn ended) kept for `run.continue`; beyond this many the oldest are forgotten. */
const IDLE_RUNS_KEPT = 64;

export async function startRunner(config: RunnerConfig, deps: RunnerDeps = {}): Promise<RunnerHandle> {
  const { agents = LOCAL_AGENTS, log = console.log, drainMs = 5000 } = deps;
  const realRoots = await resolveRoots(config.roots);
  const roots = reportedRoots(config.roots, realRoots);
  // Tells the Worker a reconnect is this process coming back, not another runner taking the name.
  const instance = crypto.randomUUID();
  let welcomed = false;
  // Only the fields the protocol carries: where an executable lives stays on this machine.
  const probed: ProbedBackend[] = (await (deps.probe ?? probeBackends)()).map(
    ({ backend, installed, version, credentials, detail }) => ({
      backend,
      installed,
      version,
      credentials,
      detail,
    }),
  );
  const runnable = new Set(probed.filter((b) => b.installed && agents[b.backend]).map((b) => b.backend));

  const runs = new Map<string, HeldRun>();
  /** Runs being prepared (paths checked, profile read): their slots are taken already. */
  const preparing = new Map<string, AbortController>();
  let stopping = false;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  const link = createDialer({
    ...deps.link,
    url: config.url,
    token: config.token,
    hello: () => ({
      type: "runner.hello",
      protocol: PROTOCOL_VERSION,
      name: config.name,
      version: pkg.version,
      labels: config.lanes ? { ...config.labels, lanes: "true" } : config.labels,
      max_runs: config.maxRuns,
      backends: probed,
      roots,
      instance,
      // Once in, the instance takes the name back; replacing again could evict a newcomer.
      replace: config.replace && !welcomed,
      active_runs: [...new Set([...runs.keys(), ...preparing.keys(), ...link.pendingRunIds()])],
    }),
    onFrame,
    onEvent,
  });

  const busy = () => preparing.size + [...runs.values()].filter((r) => r.turn).length;
  const refuse = (runId: string, refusal: Refusal) => {
    log(`refused run ${runId}: ${refusal.reason}`);
    link.refuse({ type: "run.refused", run_id: runId, ...refusal });
  };

  function onFrame(frame: RunFrame): void {
    if (frame.type === "run.dispatch") void onDispatch(frame);
    else if (frame.type === "run.continue") onContinue(frame.run_id, frame.message);
    else if (frame.type === "lane.land" || frame.type === "lane.reclaim") void onLaneRequest(frame);
    else (runs.get(frame.run_id)?.abort ?? preparing.get(frame.run_id))?.abort();
  }

  async function onDispatch(frame: DispatchFrame): Promise<void> {
    // Dispatched again while still held (a duplicate after a reconnect): the run goes on as it is.
    if (runs.has(frame.run_id) || preparing.has(frame.run_id)) return;
    if (busy() >= config.maxRuns) {
      return refuse(frame.run_id, { code: "no_free_slot", reason: `all ${config.maxRuns} slots are busy` });
    }
    const abort = new AbortController();
    preparing.set(frame.run_id, abort);
    const prepared = await prepareRun(frame, { realRoots, runnable, lanes: config.lanes === true });
    preparing.delete(frame.run_id);
    if (abort.signal.aborted) return log(`run ${frame.run_id} cancelled`);
    if (stopping) return refuse(frame.run_id, { code: "no_free_slot", reason: "the runner is stopping" });
    if (!prepared.ok) return refuse(frame.run_id, prepared);
    const marker = newTurnMarker();
    const run: HeldRun = {
      spec: prepared.spec,
      backend: frame.backend,
      agent: agents[frame.backend]!(marker),
      marker,
      seq: frame.acked_seq,
      events: 0,
      abort,
      aborted: new Promise((resolve) =>
        abort.signal.addEventListener("abort", () => resolve(), { once: true }),
      ),
      turn: undefined,
      lane:
        prepared.tree && frame.lane
          ? {
              tree: prepared.tree,
              lane: frame.lane,
              runId: frame.run_id,
              role: frame.role ?? "worker",
              marker,
            }
          : undefined,
    };
    runs.set(frame.run_id, run);
    log(`run ${frame.run_id} started (${frame.backend} in ${prepared.spec.cwd})`);
    schedule(run, (signal) => run.agent.start(run.spec, signal));
  }

  function onContinue(runId: string, message: InputMessage): void {
    const run = runs.get(runId);
    if (!run || run.abort.signal.aborted) {
      return refuse(runId, { code: "bad_request", reason: `run ${runId} is not held by this runner` });
    }
    if (!run.turn && busy() >= config.maxRuns) {
      return refuse(runId, { code: "no_free_slot", reason: `all ${config.maxRuns} slots are busy` });
    }
    log(`run ${runId} continued`);
    schedule(run, (signal) => run.agent.continue(run.spec, message, signal));
  }

  /** Runs a turn once the run's previous one ended ("run.continue" waits for it). */
  function schedule(run: HeldRun, turn: (signal: AbortSignal) => AsyncIterable<BackendOutput>): void {
    const next = (run.turn ?? Promise.resolve()).then(() => drive(run, turn));
    run.turn = next;
    void next.then(() => {
      if (run.turn !== next) return;
      run.turn = undefined;
      // Re-inserted so the map's order is oldest-idle first; a cancelled run cannot continue.
      runs.delete(run.spec.runId);
      if (!run.abort.signal.aborted) runs.set(run.spec.runId, run);
      const idle = [...runs.values()].filter((r) => !r.turn);
      for (const old of idle.slice(0, Math.max(0, idle.length - IDLE_RUNS_KEPT))) runs.delete(old.spec.runId);
    });
  }

  async function drive(
    run: HeldRun,
    turn: (signal: AbortSignal) => AsyncIterable<BackendOutput>,
  ): Promise<void> {
    const { signal } = run.abort;
    if (signal.aborted) return;
    let ending: TerminalStatus | undefined;
    let failure: string | undefined;
    /** A lane run's ending event waits until what the turn changed is recorded. */
    let held: BackendOutput | undefined;
    // A cancel must not wait for queue space (link down, queue full); the output stays queued.
    const send = (output: BackendOutput) => Promise.race([relay(run, output), run.aborted]);
    try {
      const start = run.lane && (await turnStart(run.lane.tree));
      // The agent's iterator ends only once the turn's processes are gone (turn.ts), also when
      // leaving the loop early ends it.
      for await (const output of turn(signal)) {
        if (signal.aborted) break;
        if (output.kind === "ref") Object.assign(run.spec.ref, output.ref);
        const status = output.kind === "event" ? statusAfter(output.event) : undefined;
        if (status && isTerminal(status)) ending = status;
        if (run.lane && status && isTerminal(status)) held = output;
        else await send(output);
      }
      if (run.lane && start && held?.kind === "event" && !signal.aborted) {
        for await (const output of afterLaneTurn({ ...run.lane, signal }, start, held.event))
          await send(output);
      }
    } catch (error) {
      failure = errorText(error);
    }
    if (held && !signal.aborted) await send(held);
    // Agents end every turn with a terminal event unless aborted; one that does not must not leave
    // the run running forever on the Worker.
    if (!signal.aborted && !ending) {
      await relay(
        run,
        runFailed("backend_failed", failure ?? `${run.backend} ended the turn without a result`),
      );
      ending = "failed";
    }
    await end(run, signal.aborted ? "cancelled" : ending!);
  }

  /** Land or reclaim: answered over the link whatever happens. */
  async function onLaneRequest(frame: LaneRequest): Promise<void> {
    log(`lane ${frame.lane.lane_id}: ${frame.type} requested (${frame.request_id})`);
    const reply = await answerLaneRequest(frame, { served: config.lanes === true, realRoots });
    const result = reply.result;
    const outcome =
      "ok" in result
        ? result.ok
          ? `landed (${result.strategy}) at ${result.commit}`
          : `not landed: ${result.code}`
        : `reclaimed (worktree removed: ${result.worktree_removed}, branch deleted: ${result.branch_deleted})`;
    log(`lane ${frame.lane.lane_id}: ${outcome}`);
    link.reply(reply);
  }

  /**
   * Where every turn of a run ends — completed, failed, cancelled by the Worker (cancel_run, its
   * timeout, a budget, a run it no longer holds after a reconnect), or by stop(): whatever the run
   * started is ended and reaped (the agent did so already unless it broke its contract), then the
   * end line is printed.
   */
  async function end(run: HeldRun, ending: TerminalStatus): Promise<void> {
    const left = await reapMarkedProcesses(run.marker);
    if (left.length) log(`run ${run.spec.runId}: ended ${left.length} processes its agent left running`);
    log(`run ${run.spec.runId} ${ending} (${run.events} events)`);
  }

  /** Numbers and queues one output (events, refs and checkpoints alike). */
  const relay = (run: HeldRun, output: BackendOutput): Promise<void> => {
    if (output.kind === "event") run.events++;
    return link.send(run.spec.runId, ++run.seq, output);
  };

  function onEvent(event: Parameters<typeof linkEventLine>[0]): void {
    const line = linkEventLine(event, config);
    if (event.type === "connected") welcomed = true;
    if (event.type === "fatal") void halt(line);
    else log(line);
  }

  /** Aborts every live run and waits until its agent (and the agent's processes) are gone. */
  async function cancelAll(): Promise<HeldRun[]> {
    stopping = true;
    const live = [...runs.values()].filter((r) => r.turn);
    live.forEach((r) => r.abort.abort());
    await Promise.all(live.map((r) => r.turn));
    return live;
  }

  /** The link ended for good: nothing can be reported any more. */
  async function halt(line: string): Promise<void> {
    log(line);
    const cancelled = await cancelAll();
    log(`stopped: cancelled ${cancelled.length} runs`);
    finish(1);
  }

  async function stop(why = "stop requested"): Promise<number> {
    if (stopping) return done;
    const cancelled = await cancelAll();
    // The Worker learns at once why the runs ended, instead of after its grace period. Not awaited:
    // a full queue on a dead link must not hold up the exit; drained() below is the bounded wait.
    for (const run of cancelled) {
      void relay(
        run,
        runFailed("runner_unavailable", `runner "${config.name}" stopped (${why}); the run was cancelled`),
      );
    }
    const drained = await link.drained(drainMs);
    if (!drained) log(`gave up waiting for acknowledgements of runs ${link.pendingRunIds().join(", ")}`);
    await link.stop();
    log(`stopped: cancelled ${cancelled.length} runs`);
    finish(0);
    return done;
  }

  // Agents a runner SIGKILLed or crashed left behind (its guard was killed too): their runs cannot
  // be reported or ended any more.
  guardAgentsAfterExit();
  const orphans = await reapOrphans();
  if (orphans.length) log(`ended ${orphans.length} agent processes left by an earlier runner`);
  link.start();
  return { stop, done };
}
