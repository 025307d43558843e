// TenantObject: one per tenant. Owns what spans runs — the run index, sessions and agent names, agent
// inboxes, idempotency keys, lanes and their work queues, review loops, budgets, runner placement (each
// runner's link lives in its RunnerObject) and the dashboards' sign-ins and feed — and delegates each to
// its own module; this class only wires them to Durable Object storage, sockets and RPC.
import { Agent, type Connection, type ConnectionContext } from "agents";
import { AgentDirectory, type AgentFilters } from "../agents/agent-directory.ts";
import { AgentInbox, type NewAgentMessage } from "../agents/agent-inbox.ts";
import { placeRun, resolveBackend } from "../backends/registry.ts";
import { refuseOver, tenantLimits, tighten } from "../budgets/limits.ts";
import { parseAllowHosts } from "../egress/allow-list.ts";
import type { Env } from "../env.ts";
import { SwitchyardError, badRequest, outcome, type Outcome } from "../../shared/errors.ts";
import { LaneDispatcher } from "../lanes/lane-dispatch.ts";
import { landLane, reclaimLane, type HeldLane, type LandingDeps } from "../lanes/lane-landing.ts";
import type { LandStrategy, LaneWorkspace } from "../../shared/lanes/lane-work.ts";
import { LaneHistory } from "../lanes/lane-history.ts";
import { LaneQueue, MAX_WAITING_ITEMS, type LaneItem } from "../lanes/lane-queue.ts";
import { lanePick, laneWorkspace } from "../lanes/lane-workspace.ts";
import { LaneTable, readyToLand, upsertLane, type Lane, type LaneInput } from "../lanes/lane.ts";
import { queryMetrics, type GroupBy, type MetricsFilters } from "../metrics/metrics-query.ts";
import type { NotifyInput } from "../notify/notify-config.ts";
import { TenantNotifyTable, type NotifyWithSecret } from "../notify/tenant-notify.ts";
import type { ApprovalFrame, RunnerFrame } from "../../shared/protocol/frames.ts";
import { ReviewLoop } from "../reviews/review-loop.ts";
import { ReviewTable } from "../reviews/review-table.ts";
import { LaneCycleTable } from "../reviews/lane-cycles.ts";
import { LandingTable } from "../lanes/lane-landings.ts";
import { RunnerHub } from "../runners/hub.ts";
import { linkTimings, seconds } from "../runners/link-timings.ts";
import type { LinkHello } from "../runners/runner-link.ts";
import { RunnerTable } from "../runners/runner-table.ts";
import { newRunId } from "../runs/ids.ts";
import type { InputMessage } from "../../shared/runs/messages.ts";
import { applyRunChange } from "../runs/run-changes.ts";
import { RunIndex, type RunChange, type RunFilters, type RunPage } from "../runs/run-index.ts";
import type { RunRecord } from "../runs/run-record.ts";
import { newRunRecord, type SpawnRequest } from "../runs/spawn.ts";
import { withinScope } from "../orchestration/scope.ts";
import { openTenantStorage } from "../storage/tenant-storage.ts";
import { DashboardSessions, type LinkRedemption, type OpenedSession } from "../dashboard/session-table.ts";
import { FEED_TAG, TenantFeed } from "../dashboard/tenant-feed.ts";
import { runStub, runnerStub } from "./stubs.ts";

/** What a spawn carries beyond the request: secrets for the run, and secrets kept for its review loop. */
export interface SpawnSecrets {
  secrets: Record<string, unknown>;
  /** Kept in the run's private storage past its end, until its review loop takes them. */
  carry?: Record<string, unknown>;
  /** Signs the run's webhooks; kept in the run's private storage only. */
  notify_secret?: string;
}

export class TenantObject extends Agent<Env> {
  #parts:
    | {
        sql: SqlStorage;
        index: RunIndex;
        lanes: LaneTable;
        reviews: ReviewTable;
        hub: RunnerHub;
        loop: ReviewLoop;
        agents: AgentDirectory;
        inbox: AgentInbox;
        queue: LaneQueue;
        history: LaneHistory;
        laneWork: LaneDispatcher;
        cycles: LaneCycleTable;
        landings: LandingTable;
        notifyDefault: TenantNotifyTable;
        sessions: DashboardSessions;
      }
    | undefined;

  /** What the tenant's dashboards hear of (worker/dashboard/tenant-feed.ts). */
  readonly #feed = new TenantFeed({ sockets: () => this.getConnections(FEED_TAG) });

  /** Storage-backed parts, built on first use (the object's name is known by then). */
  get #p() {
    if (this.#parts) return this.#parts;
    const sql = openTenantStorage(this.ctx.storage);
    const index = new RunIndex(sql);
    const reviews = new ReviewTable(sql);
    const runner = (name: string) => runnerStub(this.env, this.name, name);
    const hub = new RunnerHub({
      table: new RunnerTable(sql, () => this.#feed.runners()),
      links: {
        deliver: async (name, connectionId, frame) => (await runner(name)).deliver(connectionId, frame),
        release: async (name, runId, ended) => (await runner(name)).release(runId, ended),
        isLive: async (name, connectionId) => (await runner(name)).isLive(connectionId),
      },
      run: (runId) => runStub(this.env, this.name, runId),
      now: () => Date.now(),
      graceMs: linkTimings(this.env).graceMs,
      laneRequestMs: seconds(this.env.SWITCHYARD_LANE_REQUEST_TIMEOUT_S, 120) * 1000,
      scheduleExpiry: async (ms) => {
        await this.schedule(Math.ceil(ms / 1000) + 1, "expireRunners");
      },
    });
    const laneChanged = (laneId: string) => this.#feed.lanes([laneId]);
    const lanes = new LaneTable(sql, laneChanged);
    const cycles = new LaneCycleTable(sql);
    const loop = new ReviewLoop({
      reviews,
      cycles,
      laneReady: async (laneId, workerRunId) => {
        // Only the lane's newest worker run speaks for it: an older cycle's pass does not.
        const newest = index.list({ lane_id: laneId, role: "worker" }, 1, undefined).runs[0];
        const lane = lanes.get(laneId);
        const ready = lane && newest?.run_id === workerRunId && readyToLand(lane, new Date().toISOString());
        if (ready) lanes.put(ready);
      },
      run: (runId) => runStub(this.env, this.name, runId),
      spawn: (req, s) => this.#spawn(req, s),
    });
    const agents = new AgentDirectory(sql);
    const inbox = new AgentInbox(sql);
    const queue = new LaneQueue(sql, laneChanged);
    const history = new LaneHistory(sql);
    const laneWork = new LaneDispatcher({
      lanes,
      queue,
      history,
      index,
      spawn: (req, s) => this.#spawn(req, s),
      run: (runId) => runStub(this.env, this.name, runId),
      now: () => new Date().toISOString(),
    });
    this.#parts = {
      sql,
      index,
      lanes,
      reviews,
      hub,
      loop,
      agents,
      inbox,
      queue,
      history,
      laneWork,
      cycles,
      landings: new LandingTable(sql),
      notifyDefault: new TenantNotifyTable(sql),
      sessions: new DashboardSessions(sql),
    };
    return this.#parts;
  }

  // ── runs ────────────────────────────────────────────────────────────────────────────────

  async spawn(req: SpawnRequest, secrets: SpawnSecrets): Promise<Outcome<RunRecord>> {
    return outcome(() => this.#spawn(req, secrets));
  }

  /**
   * Creates a run. Every check and row happens before the first await, so concurrent spawns see
   * each other's idempotency keys, names, budgets and slots.
   */
  async #spawn(req: SpawnRequest, { secrets, carry, notify_secret }: SpawnSecrets): Promise<RunRecord> {
    const { index, lanes, reviews, hub, notifyDefault } = this.#p;
    const tenant = this.name;
    const scope = req.scope_run_id;
    if (req.idempotency_key) {
      const prior = index.idempotent(req.idempotency_key, req.fingerprint);
      // A key another caller used is refused as taken, not answered with that caller's run.
      if (prior && scope && !withinScope(index, scope, prior)) {
        throw new SwitchyardError("conflict", "idempotency_key: already used; choose another", {
          field: "idempotency_key",
        });
      }
      if (prior) return this.#record(prior);
    }
    const parent = req.parent_run_id ? index.row(req.parent_run_id) : undefined;
    if (req.parent_run_id && (!parent || (scope && !withinScope(index, scope, req.parent_run_id, true)))) {
      throw new SwitchyardError("not_found", `parent_run_id: no run "${req.parent_run_id}"`, {
        field: "parent_run_id",
      });
    }
    const lane = req.lane_id ? assertLaneOpen(lanes, req.lane_id) : undefined;
    if (lane) assertLaneTakesRun(lane, req, index);

    const limits = tighten(tenantLimits(this.env), req.budget);
    refuseOver("budget.max_concurrent_runs", "concurrent runs", limits.max_concurrent_runs, index.liveRuns());
    if (parent) {
      const tree = index.tree(parent.root_run_id);
      if (tree) {
        refuseOver(
          "budget.max_tree_runs",
          "runs in this run tree",
          Math.min(tree.max_runs, limits.max_tree_runs),
          tree.runs,
        );
        refuseOver(
          "budget.tree_token_budget",
          "tokens of this run tree",
          Math.min(tree.token_budget, limits.tree_token_budget),
          tree.tokens,
        );
      }
    }

    const session = index.settleSession(req, scope !== undefined);
    if (scope && session.previous_run_id && !withinScope(index, scope, session.previous_run_id)) {
      throw new SwitchyardError("not_found", `session_id: no session "${req.session_id}"`, {
        field: "session_id",
      });
    }
    const now = new Date();
    const run_id = newRunId(now.getTime());
    const placement = placeRun(
      resolveBackend(req.backend),
      req.spec.config,
      parseAllowHosts(this.env.SWITCHYARD_EDGE_ALLOW_HOSTS),
    );
    // A repo lane's runner runs carry its worktree as the lane is now (not as an earlier run saw it).
    const workspace =
      lane && placement === "runner" ? reviewerSafe(laneWorkspace(lane), req.role) : undefined;
    const { lane: _inherited, ...spec } = req.spec;
    // A run's own notify wins. In a lane that has one, a run that took it gets it as the lane has it
    // now (a queued item may be older), and the lane's other runs (continuations, reviewers) send
    // none; a run outside such a lane takes the tenant's default, if it has one.
    const own =
      notify_secret !== undefined && req.notify ? { notify: req.notify, secret: notify_secret } : undefined;
    const laneNotify = lane ? laneNotifyOf(lanes, lane) : undefined;
    const notify = own ?? (laneNotify ? req.notify && laneNotify : notifyDefault.get());
    const record = newRunRecord(
      {
        ...req,
        spec: workspace ? { ...spec, lane: workspace } : spec,
        notify: notify?.notify,
      },
      { tenant, run_id, ...session, placement, now: now.toISOString() },
    );
    index.insert(
      {
        run_id,
        created_ms: now.getTime(),
        created_at: record.created_at,
        status: record.status,
        backend: record.backend,
        role: record.role,
        agent_name: session.agent_name,
        session_id: session.session_id,
        parent_run_id: record.parent_run_id,
        root_run_id: parent?.root_run_id ?? run_id,
        lane_id: req.lane_id ?? null,
        cwd: record.cwd,
      },
      req.idempotency_key,
      req.fingerprint,
      limits,
    );
    this.#feed.runs([run_id]);
    if (req.review) reviews.setPolicy(run_id, req.review, req.review_cycle ?? 1);

    const previous = session.previous_run_id;
    const checkpoint = previous
      ? await (await runStub(this.env, tenant, previous)).sessionCheckpoint()
      : undefined;
    const created = await (
      await runStub(this.env, tenant, run_id)
    ).create(record, secrets, checkpoint, carry, notify?.secret);
    if (record.parent_run_id) await (await runStub(this.env, tenant, record.parent_run_id)).addChild(run_id);
    if (placement === "runner") {
      const { runner, runner_labels } = req.spec.config as {
        runner?: string;
        runner_labels?: Record<string, string>;
      };
      const pick = { backend: record.backend, runner, runner_labels, cwd: record.cwd ?? undefined };
      await hub.enqueue(run_id, workspace && lane ? lanePick(lane, pick) : pick);
    }
    return created;
  }

  async #record(runId: string): Promise<RunRecord> {
    const record = await (await runStub(this.env, this.name, runId)).getRecord();
    if (!record) throw new SwitchyardError("internal", `run ${runId} is indexed but has no record`);
    return record;
  }

  /** The newest run of an agent, for tools called with `agent_name` instead of `run_id`. */
  async latestRunOf(agentName: string): Promise<Outcome<string | null>> {
    return outcome(() => this.#p.index.latestRunOf(agentName));
  }

  /** Which of `runIds` lie outside the scope of the run `scopeRunId` (orchestration/scope.ts). */
  async outsideScope(scopeRunId: string, runIds: string[]): Promise<Outcome<string[]>> {
    return outcome(() => runIds.filter((id) => !withinScope(this.#p.index, scopeRunId, id)));
  }

  async listRuns(filters: RunFilters, limit: number, cursor: string | undefined): Promise<Outcome<RunPage>> {
    return outcome(() => this.#p.index.list(filters, limit, cursor));
  }

  /**
   * Wraps the applying of every delivered run change. Unset in production; a test sets it
   * (through runInDurableObject) to refuse deliveries or lose their acknowledgements.
   */
  changeInterceptor: ((change: RunChange, apply: () => Promise<void>) => Promise<void>) | undefined;

  /**
   * Delivered by run objects (their outbox, at least once) when status, summary, usage or remote
   * handle change; resolving acknowledges the change.
   */
  async runChanged(change: RunChange): Promise<Outcome<void>> {
    return outcome(() => {
      const apply = () => this.#applyChange(change);
      return this.changeInterceptor ? this.changeInterceptor(change, apply) : apply();
    });
  }

  async #applyChange(change: RunChange): Promise<void> {
    const { index, hub, loop, laneWork } = this.#p;
    this.#feed.runs([change.run_id]);
    await applyRunChange(index, change, {
      enforceTreeBudget: (root) => this.#enforceTreeBudget(root),
      onEnded: async ({ run_id, status, halt_runner }, laneId) => {
        // Told before the slot is freed, while the hub still knows which runner holds the run.
        if (halt_runner) await hub.cancel(run_id);
        await hub.release(run_id);
        await loop.onRunEnded(run_id, status, laneId);
        // After the review loop: a reviewer or remediation it started keeps the lane busy.
        if (laneId) await laneWork.runEnded(run_id, laneId, status);
      },
      onLaneRunStarted: (runId, laneId) => laneWork.noteHolder(laneId, hub.holderOf(runId)),
    });
  }

  /** A run tree past its token budget has its live runs stopped with budget_exceeded. */
  async #enforceTreeBudget(rootRunId: string): Promise<void> {
    const tree = this.#p.index.tree(rootRunId);
    if (!tree || tree.tokens <= tree.token_budget) return;
    for (const runId of this.#p.index.liveRunsOfTree(rootRunId)) {
      await (
        await runStub(this.env, this.name, runId)
      ).stop(
        "budget_exceeded",
        `run tree ${rootRunId} spent ${tree.tokens} tokens; its budget is ${tree.token_budget}`,
      );
    }
  }

  /** Forwards the caller's approval answer to the runner holding the run; false when none is connected. */
  async hubAnswerApproval(frame: ApprovalFrame): Promise<Outcome<boolean>> {
    return outcome(() => this.#p.hub.answerApproval(frame));
  }

  /** Forwards a live follow-up to the runner holding the run; false when no runner holds it. */
  async hubContinue(runId: string, message: InputMessage): Promise<Outcome<boolean>> {
    return outcome(() => this.#p.hub.continueRun(runId, message));
  }

  // ── agents and their messages (worker/agents/) ─────────────────────────────────────────

  /** The agent `name` with its newest run; not_found naming `field`. */
  async findAgent(name: string, field: string, cwd?: string) {
    return outcome(() => this.#p.agents.find(name, field, cwd));
  }

  async listAgents(filters: AgentFilters, limit: number, cursor: string | undefined) {
    return outcome(() => this.#p.agents.list(filters, limit, cursor));
  }

  /** Checks the recipient has room before the message is redacted and delivered. */
  async assertInboxRoom(agentName: string): Promise<Outcome<void>> {
    return outcome(() => this.#p.inbox.assertRoom(agentName));
  }

  async addAgentMessage(message: NewAgentMessage) {
    return outcome(() => this.#p.inbox.add(message));
  }

  async markAgentMessageContinued(seq: number, at: string): Promise<Outcome<void>> {
    return outcome(() => this.#p.inbox.markContinued(seq, at));
  }

  /** The agent's messages (see AgentInbox.fetch) and how many stay unread after them. */
  async fetchAgentMessages(agentName: string, afterSeq: number | undefined, limit: number, at: string) {
    return outcome(() => {
      const { inbox } = this.#p;
      const messages = inbox.fetch(agentName, afterSeq, limit, at);
      return { messages, unread: inbox.unread(agentName) };
    });
  }

  // ── the default notify (notify/tenant-notify.ts) ─────────────────────────────────────────

  async notifyDefault() {
    return outcome(() => this.#p.notifyDefault.view());
  }

  /** Replaces the default notify, or removes it (null); answers what is kept now. */
  async setNotifyDefault(notify: NotifyInput | null) {
    return outcome(() => {
      const { notifyDefault } = this.#p;
      if (notify) notifyDefault.set(notify);
      else notifyDefault.clear();
      return notifyDefault.view();
    });
  }

  // ── lanes, metrics, backends ────────────────────────────────────────────────────────────

  async getLane(laneId: string): Promise<Outcome<Lane | null>> {
    return outcome(() => this.#p.lanes.get(laneId) ?? null);
  }

  /**
   * Creates or updates a lane atomically; dependencies must name existing lanes. What the change
   * lets run is dispatched (a lane unblocked, or merged: its dependants); a closed lane's waiting
   * items are cancelled.
   */
  async upsertLane(input: LaneInput): Promise<Outcome<Lane>> {
    return outcome(async () => {
      const { lanes, laneWork } = this.#p;
      const missing = (input.depends_on ?? []).filter((dep) => !lanes.get(dep));
      if (missing.length) {
        throw new SwitchyardError(
          "not_found",
          `depends_on: no lane ${missing.map((m) => `"${m}"`).join(", ")}`,
          { field: "depends_on" },
        );
      }
      const lane = upsertLane(lanes.get(input.lane_id), input, new Date().toISOString());
      lanes.put(lane);
      if (input.notify !== undefined) lanes.setNotifySecret(lane.lane_id, input.notify?.secret ?? null);
      if (lane.status === "closed") {
        laneWork.laneClosed(lane.lane_id);
        lanes.setNotifySecret(lane.lane_id, null);
      }
      await laneWork.advance(lane.lane_id);
      return lanes.get(lane.lane_id)!;
    });
  }

  /** Adds a work item at the end of a lane's queue, and dispatches it if the lane may run it now. */
  async enqueueLaneItem(
    laneId: string,
    req: SpawnRequest,
    secrets: SpawnSecrets,
  ): Promise<Outcome<LaneItem>> {
    return outcome(async () => {
      const { lanes, queue, laneWork } = this.#p;
      const lane = lanes.get(laneId);
      if (!lane) throw new SwitchyardError("not_found", `lane_id: no lane "${laneId}"`, { field: "lane_id" });
      if (lane.status === "closed" || lane.status === "merged")
        throw new SwitchyardError(
          "conflict",
          `lane_id: lane "${laneId}" is ${lane.status}; it takes no more work`,
          {
            field: "lane_id",
          },
        );
      if (queue.waiting(laneId) >= MAX_WAITING_ITEMS)
        throw new SwitchyardError(
          "conflict",
          `lane_id: lane "${laneId}" has ${MAX_WAITING_ITEMS} items waiting already; enqueue more once some have run`,
          { field: "lane_id" },
        );
      const item = queue.add(laneId, req, secrets, new Date().toISOString());
      await laneWork.advance(laneId);
      return queue.get(item.item_id)!;
    });
  }

  /**
   * Merges a lane in review into its base on the runner holding its worktree, and waits for the
   * answer: merged (its dependants' work is dispatched), or refused naming the conflicting files.
   */
  async landLane(laneId: string, strategy: LandStrategy, removeWorktree: boolean) {
    return outcome(async () => {
      const landed = await landLane(this.#landingDeps(), this.#heldLane(laneId), strategy, removeWorktree);
      // Whatever happened to the lane while the runner merged, its branch is in base now.
      const { lanes, laneWork } = this.#p;
      const lane = lanes.get(laneId)!;
      if (lane.status !== "merged")
        lanes.put({ ...lane, status: "merged", updated_at: new Date().toISOString() });
      await laneWork.advance(laneId);
      return { lane: lanes.get(laneId)!, landed };
    });
  }

  /**
   * Removes the lane's worktree and branch on its holder: a lane given up without landing is
   * closed (its waiting items cancelled); a merged lane stays merged.
   */
  async reclaimLane(laneId: string) {
    return outcome(async () => {
      const reclaimed = await reclaimLane(this.#landingDeps(), this.#heldLane(laneId));
      const { lanes, laneWork } = this.#p;
      const lane = lanes.get(laneId)!;
      // A merged lane stays merged (its dependants count on it); any other is closed now.
      const status = lane.status === "merged" ? "merged" : "closed";
      lanes.put({ ...lane, status, holder: null, updated_at: new Date().toISOString() });
      laneWork.laneClosed(laneId);
      return { lane: lanes.get(laneId)!, reclaimed };
    });
  }

  #landingDeps(): LandingDeps {
    return { hub: this.#p.hub, landings: this.#p.landings, now: () => new Date().toISOString() };
  }

  #heldLane(laneId: string): HeldLane {
    const { lanes, index } = this.#p;
    const lane = lanes.get(laneId);
    if (!lane) throw new SwitchyardError("not_found", `lane_id: no lane "${laneId}"`, { field: "lane_id" });
    return {
      lane,
      workspace: laneWorkspace(lane),
      holder: lane.holder,
      live_run: index.liveInLane(laneId),
    };
  }

  /** A lane's queue and the runs it did: waiting items, the current one, why the next waits, each run's changes and tests. */
  async laneWorkOf(laneId: string, limit: number) {
    return outcome(() => {
      const { lanes, queue, history, index, laneWork } = this.#p;
      const lane = lanes.get(laneId);
      if (!lane) throw new SwitchyardError("not_found", `lane_id: no lane "${laneId}"`, { field: "lane_id" });
      const waiting = queue.inState(laneId, "waiting", limit);
      return {
        queue: waiting,
        current_item: queue.inState(laneId, "dispatched", 1)[0] ?? null,
        current_run_id: index.liveInLane(laneId) ?? null,
        waiting_reason: waiting.length ? laneWork.whyWaiting(lane) : null,
        lane_runs: history.ofLane(laneId, limit),
      };
    });
  }

  /** Which runner holds which lane's worktree, and whether that runner is connected now. */
  async laneHolders() {
    return outcome(() => {
      const { lanes, hub } = this.#p;
      return Promise.all(
        lanes.list(undefined).flatMap((lane) =>
          lane.holder
            ? [
                hub.isLive(lane.holder).then((connected) => ({
                  lane_id: lane.lane_id,
                  runner: lane.holder!,
                  connected,
                })),
              ]
            : [],
        ),
      );
    });
  }

  async listLanes(status: Lane["status"] | undefined): Promise<Outcome<Lane[]>> {
    return outcome(() => this.#p.lanes.list(status));
  }

  async laneReviews(laneId: string) {
    return outcome(() => this.#p.reviews.ofLane(laneId));
  }

  /** A lane's cycles (test result, verdict, what followed) and its land and reclaim requests. */
  async laneProgress(laneId: string) {
    return outcome(() => ({
      cycles: this.#p.cycles.ofLane(laneId),
      landings: this.#p.landings.ofLane(laneId),
    }));
  }

  async metrics(groupBy: GroupBy, filters: MetricsFilters, limit: number, offset: number) {
    return outcome(() => queryMetrics(this.#p.sql, groupBy, filters, limit, offset));
  }

  /** Connected runners with what they can run and their free slots. */
  async runners() {
    return outcome(() => this.#p.hub.deps.table.connected());
  }

  // ── dashboard sign-ins (worker/dashboard/) ──────────────────────────────────────────────

  async openDashboardSession(): Promise<Outcome<OpenedSession>> {
    return outcome(() => this.#p.sessions.open(Date.now()));
  }

  /** The session `secret` opens, or null when it opens none (never opened, signed out, expired). */
  async dashboardSession(secret: string) {
    return outcome(async () => (await this.#p.sessions.find(secret, Date.now())) ?? null);
  }

  async closeDashboardSession(secret: string): Promise<Outcome<void>> {
    return outcome(() => this.#p.sessions.close(secret));
  }

  async mintSigninLink() {
    return outcome(() => this.#p.sessions.mintLink(Date.now()));
  }

  /** Uses a one-time link: a new session, or why the link opens none. */
  async redeemSigninLink(
    secret: string,
  ): Promise<Outcome<OpenedSession | { refused: Exclude<LinkRedemption, "redeemed"> }>> {
    return outcome(async () => {
      const { sessions } = this.#p;
      const redeemed = await sessions.redeemLink(secret, Date.now());
      return redeemed === "redeemed" ? sessions.open(Date.now()) : { refused: redeemed };
    });
  }

  // ── the dashboard feed (WebSocket Hibernation API through Agent) ────────────────────────

  /** Dashboard sockets are tagged apart: the feed sends only to them. */
  override getConnectionTags(_connection: Connection, ctx: ConnectionContext): string[] {
    return new URL(ctx.request.url).pathname === DASHBOARD_FEED_PATH ? [FEED_TAG] : [];
  }

  /** Dashboard feeds get only the feed's messages, none of Agent's own. */
  override shouldSendProtocolMessages(): boolean {
    return false;
  }

  /** A dashboard sends nothing; whatever it sends is ignored. (Runners dial their own objects.) */
  override async onMessage(): Promise<void> {}

  // ── runner links: each runner's object (objects/runner-object.ts) tells the hub these ───

  /** A runner's link said hello under its name: placement learns what it runs and holds. */
  async runnerHello(runner: string, connectionId: string, hello: LinkHello): Promise<Outcome<void>> {
    return outcome(() => this.#p.hub.hello(runner, connectionId, hello));
  }

  /** The runner will not execute a run its object says it holds. */
  async runnerRefused(runner: string, frame: Extract<RunnerFrame, { type: "run.refused" }>) {
    return outcome(() => this.#p.hub.refused(runner, frame));
  }

  /** A lane request's answer; false when no such request is pending for the runner. */
  async runnerLaneReply(runner: string, frame: Extract<RunnerFrame, { type: "lane.reply" }>) {
    return outcome(() => this.#p.hub.laneReply(runner, frame));
  }

  /** The runner's link `connectionId` closed or went silent. */
  async runnerGone(runner: string, connectionId: string): Promise<Outcome<void>> {
    return outcome(() => this.#p.hub.gone(runner, connectionId));
  }

  /** Scheduled: runners gone longer than the grace period lose their runs. */
  async expireRunners(): Promise<void> {
    await this.#p.hub.expireRunners();
  }

  /**
   * Scheduled every heartbeat by releases before each runner had its own object (which sweeps its
   * link now); a tenant that still has the schedule ends it here.
   */
  async sweepRunners(): Promise<void> {
    for (const s of await this.listSchedules())
      if (s.callback === "sweepRunners") await this.cancelSchedule(s.id);
  }
}

/** The path the Worker hands a dashboard's feed socket over with (worker/dashboard/live-routes.ts). */
export const DASHBOARD_FEED_PATH = "/dashboard/live";

/**
 * A reviewer on a runner reads the lane's worktree, but the test gate is its worker's: it is not
 * run again after the review.
 */
function reviewerSafe(workspace: LaneWorkspace | undefined, role: string): LaneWorkspace | undefined {
  if (!workspace || role !== "reviewer") return workspace;
  const { test_command: _gateOfTheWorker, ...rest } = workspace;
  return rest;
}

/** Spawning into a closed lane, or one whose dependencies are not merged, is refused. */
function assertLaneOpen(lanes: LaneTable, laneId: string): Lane {
  const lane = lanes.get(laneId);
  if (!lane) throw new SwitchyardError("not_found", `lane_id: no lane "${laneId}"`, { field: "lane_id" });
  if (lane.status === "closed")
    throw new SwitchyardError("conflict", `lane_id: lane "${laneId}" is closed`, { field: "lane_id" });
  const waiting = lane.depends_on.filter((dep) => lanes.get(dep)?.status !== "merged");
  if (waiting.length) {
    throw new SwitchyardError(
      "conflict",
      `lane_id: lane "${laneId}" depends on ${waiting.map((d) => `"${d}"`).join(", ")}, not merged yet`,
      {
        field: "lane_id",
      },
    );
  }
  return lane;
}

/**
 * A repo lane's runs work in its worktree, one at a time: a run in it may not name another cwd,
 * and while one of its runs is live another run is not started beside it (queue work instead).
 */
function assertLaneTakesRun(lane: Lane, req: SpawnRequest, index: RunIndex): void {
  if (lane.repo === null) return;
  if (req.cwd !== undefined)
    throw badRequest(
      "cwd",
      `lane "${lane.lane_id}" works in its worktree of ${lane.repo}; a run in it cannot set cwd`,
    );
  const live = index.liveInLane(lane.lane_id);
  if (live)
    throw new SwitchyardError(
      "conflict",
      `lane_id: lane "${lane.lane_id}" is working on run ${live}; add work with manage_lane enqueue`,
      { field: "lane_id" },
    );
}

/** A lane's notify as it is now, with its secret; undefined when the lane has none. */
function laneNotifyOf(lanes: LaneTable, lane: Lane): NotifyWithSecret | undefined {
  const secret = lanes.notifySecret(lane.lane_id);
  return lane.notify && secret !== null ? { notify: lane.notify, secret } : undefined;
}
