// Storage as the release before schema versions (commit 38630b5) wrote it: its DDL copied as it
// shipped, kept here as data so a change to the migration steps cannot change what "the previous
// release" means, and rows written with that release's statements. One completed edge run in a
// lane, with usage, an artifact and a review; a runner that has gone; a queued runner run.

/** The tenant's tables: run-index.ts, runner-table.ts, review-table.ts and lane.ts at 38630b5. */
export const TENANT_DDL = [
  `CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, status TEXT NOT NULL, backend TEXT NOT NULL, role TEXT NOT NULL, agent_name TEXT NOT NULL,
  session_id TEXT NOT NULL, parent_run_id TEXT, root_run_id TEXT NOT NULL, lane_id TEXT, cwd TEXT, summary TEXT NOT NULL,
  last_seq INTEGER NOT NULL, terminal INTEGER NOT NULL DEFAULT 0, day TEXT NOT NULL, model TEXT,
  input_tokens INTEGER NOT NULL DEFAULT 0, cached_input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0, reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0, unpriced_tokens INTEGER NOT NULL DEFAULT 0,
  turns INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER)`,
  "CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_ms DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_ms DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_by_backend ON runs (backend, created_ms DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_by_role ON runs (role, created_ms DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_by_agent ON runs (agent_name, created_ms DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_run_id, created_ms DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_by_cwd ON runs (cwd, created_ms DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_by_lane ON runs (lane_id, created_ms DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_by_root ON runs (root_run_id, created_ms DESC)",
  "CREATE INDEX IF NOT EXISTS runs_live ON runs (terminal, root_run_id)",
  `CREATE TABLE IF NOT EXISTS sessions (session_id TEXT PRIMARY KEY, backend TEXT NOT NULL, agent_name TEXT NOT NULL,
  ref TEXT NOT NULL, latest_run_id TEXT NOT NULL)`,
  "CREATE TABLE IF NOT EXISTS agents (agent_name TEXT PRIMARY KEY, session_id TEXT NOT NULL, latest_run_id TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, run_id TEXT NOT NULL, fingerprint TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS trees (root_run_id TEXT PRIMARY KEY, max_runs INTEGER NOT NULL, token_budget INTEGER NOT NULL)",
  `CREATE TABLE IF NOT EXISTS runners (name TEXT PRIMARY KEY, connection_id TEXT, version TEXT NOT NULL, labels TEXT NOT NULL,
  max_runs INTEGER NOT NULL, backends TEXT NOT NULL, seen_ms INTEGER NOT NULL, gone_since_ms INTEGER)`,
  "CREATE TABLE IF NOT EXISTS runner_runs (run_id TEXT PRIMARY KEY, pick TEXT NOT NULL, queued_ms INTEGER NOT NULL, runner_name TEXT)",
  "CREATE INDEX IF NOT EXISTS runner_runs_by_runner ON runner_runs (runner_name, queued_ms)",
  `CREATE TABLE IF NOT EXISTS review_policies (run_id TEXT PRIMARY KEY, policy TEXT NOT NULL, cycle INTEGER NOT NULL,
  reviewer_run_id TEXT)`,
  `CREATE TABLE IF NOT EXISTS reviews (reviewer_run_id TEXT PRIMARY KEY, worker_run_id TEXT NOT NULL, lane_id TEXT,
  cycle INTEGER NOT NULL, verdict TEXT, summary TEXT NOT NULL, findings TEXT NOT NULL, created_at TEXT NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS reviews_by_worker ON reviews (worker_run_id)",
  "CREATE INDEX IF NOT EXISTS reviews_by_lane ON reviews (lane_id, created_at)",
  "CREATE TABLE IF NOT EXISTS lanes (lane_id TEXT PRIMARY KEY, doc TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL)",
];

/** A run's tables: run-log.ts at 38630b5 (no outbox yet). */
export const RUN_DDL = [
  "CREATE TABLE IF NOT EXISTS sy_record (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS sy_events (seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL)",
  `CREATE TABLE IF NOT EXISTS sy_chunks (seq INTEGER NOT NULL, pointer TEXT NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY (seq, pointer, idx))`,
  "CREATE TABLE IF NOT EXISTS sy_private (key TEXT PRIMARY KEY, doc TEXT NOT NULL)",
];

export const OLD = {
  run_id: "run_000000000oldrelease01",
  reviewer_run_id: "run_000000000oldreviewer1",
  queued_run_id: "run_000000000oldqueued001",
  session_id: "ses_000000000oldsession01",
  agent_name: "old-agent",
  lane_id: "old-lane",
  runner: "old-runner",
  created_at: "2026-11-30T10:00:00.000Z",
  completed_at: "2026-11-30T10:00:05.000Z",
  final_response: "done by the previous release",
  usage: {
    input_tokens: 120,
    cached_input_tokens: 20,
    output_tokens: 30,
    reasoning_tokens: 5,
    total_tokens: 155,
    unpriced_tokens: 0,
    turns: 1,
    cost_usd: 0.25,
  },
  finding: {
    severity: "low",
    category: "style",
    file_path: "src/a.ts",
    line_start: 1,
    line_end: 2,
    description: "an old finding",
    fix: "rename it",
  },
} as const;

const CREATED_MS = Date.parse(OLD.created_at);

function exec(sql: SqlStorage, statements: readonly string[]): void {
  for (const s of statements) sql.exec(s);
}

/** The tenant's rows as 38630b5's RunIndex.insert/applyChange, RunnerTable, ReviewTable and LaneTable wrote them. */
export function writeOldTenant(sql: SqlStorage): void {
  exec(sql, TENANT_DDL);
  const u = OLD.usage;
  sql.exec(
    `INSERT INTO runs (run_id, created_ms, created_at, updated_at, status, backend, role, agent_name, session_id,
       parent_run_id, root_run_id, lane_id, cwd, summary, last_seq, day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?)`,
    OLD.run_id,
    CREATED_MS,
    OLD.created_at,
    OLD.created_at,
    "queued",
    "remote_a2a",
    "worker",
    OLD.agent_name,
    OLD.session_id,
    null,
    OLD.run_id,
    OLD.lane_id,
    null,
    OLD.created_at.slice(0, 10),
  );
  sql.exec(
    "INSERT INTO sessions (session_id, backend, agent_name, ref, latest_run_id) VALUES (?, ?, ?, '{}', ?)",
    OLD.session_id,
    "remote_a2a",
    OLD.agent_name,
    OLD.run_id,
  );
  sql.exec(
    "INSERT INTO agents (agent_name, session_id, latest_run_id) VALUES (?, ?, ?)",
    OLD.agent_name,
    OLD.session_id,
    OLD.run_id,
  );
  sql.exec(
    "INSERT INTO trees (root_run_id, max_runs, token_budget) VALUES (?, ?, ?)",
    OLD.run_id,
    100,
    1_000_000,
  );
  // The run's last report, applied as 38630b5's applyChange did (ordered by last_seq).
  sql.exec(
    `UPDATE runs SET status = ?, terminal = ?, last_seq = ?, updated_at = ?, summary = ?, model = COALESCE(?, model),
       input_tokens = ?, cached_input_tokens = ?, output_tokens = ?, reasoning_tokens = ?, total_tokens = ?,
       cost_usd = ?, unpriced_tokens = ?, turns = ?, duration_ms = ?
     WHERE run_id = ? AND last_seq <= ?`,
    "completed",
    1,
    OLD_EVENTS.length,
    OLD.completed_at,
    OLD.final_response,
    "old-model",
    u.input_tokens,
    u.cached_input_tokens,
    u.output_tokens,
    u.reasoning_tokens,
    u.total_tokens,
    u.cost_usd,
    u.unpriced_tokens,
    u.turns,
    5_000,
    OLD.run_id,
    OLD_EVENTS.length,
  );
  sql.exec(
    `INSERT OR REPLACE INTO runners (name, connection_id, version, labels, max_runs, backends, seen_ms, gone_since_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
    OLD.runner,
    null,
    "0.1.0",
    JSON.stringify({ os: "linux" }),
    2,
    JSON.stringify([{ backend: "codex", installed: true, credentials: "configured" }]),
    CREATED_MS,
  );
  sql.exec(
    "INSERT OR IGNORE INTO runner_runs (run_id, pick, queued_ms, runner_name) VALUES (?, ?, ?, NULL)",
    OLD.queued_run_id,
    JSON.stringify({ backend: "codex" }),
    CREATED_MS,
  );
  const policy = { backend: "remote_a2a", profile: "reviewer-remediator", max_cycles: 2 };
  sql.exec(
    "INSERT OR REPLACE INTO review_policies (run_id, policy, cycle) VALUES (?, ?, ?)",
    OLD.run_id,
    JSON.stringify(policy),
    1,
  );
  sql.exec(
    "UPDATE review_policies SET reviewer_run_id = ? WHERE run_id = ? AND reviewer_run_id IS NULL",
    OLD.reviewer_run_id,
    OLD.run_id,
  );
  sql.exec(
    `INSERT OR IGNORE INTO reviews (reviewer_run_id, worker_run_id, lane_id, cycle, verdict, summary, findings, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    OLD.reviewer_run_id,
    OLD.run_id,
    OLD.lane_id,
    1,
    "pass_with_findings",
    "fine, one nit",
    JSON.stringify([OLD.finding]),
    OLD.completed_at,
  );
  const lane = {
    lane_id: OLD.lane_id,
    title: "Old lane",
    objective: "made by the previous release",
    cwd: "/work/old",
    branch: "old",
    backend: "remote_a2a",
    model: null,
    backend_config: {},
    test_command: null,
    review: policy,
    depends_on: [],
    status: "active",
    created_at: OLD.created_at,
    updated_at: OLD.created_at,
  };
  sql.exec(
    "INSERT OR REPLACE INTO lanes (lane_id, doc, status, updated_at) VALUES (?, ?, ?, ?)",
    lane.lane_id,
    JSON.stringify(lane),
    lane.status,
    lane.updated_at,
  );
}

/** An artifact's text past what a record now keeps inline (16 KiB): 20 KiB of ASCII. */
export const BIG_TEXT = "0123456789abcdef".repeat(1280);
/** What that release stored of BIG_TEXT in its event: a preview, the whole text in chunk rows at `/text`. */
const BIG_PREVIEW = BIG_TEXT.slice(0, 2048);
const BIG_SEQ = 5;

/** The events the run stored, as (type, data), seq from 1. */
export const OLD_EVENTS: [string, Record<string, unknown>][] = [
  ["run_started", {}],
  ["agent_message", { text: "working on it" }],
  // One artifact streamed as two chunks (A2A `append`), which that release kept as two entries.
  ["artifact_added", { artifact_id: "notes", name: "notes.md", text: "# Notes\n" }],
  ["artifact_added", { artifact_id: "notes", append: true, last_chunk: true, text: "all of them" }],
  [
    "artifact_added",
    {
      artifact_id: "big",
      text: BIG_PREVIEW,
      artifact_refs: {
        "/text": { total_bytes: BIG_TEXT.length, mime: "text/plain; charset=utf-8", chunk_count: 1 },
      },
    },
  ],
  [
    "usage",
    {
      input_tokens: 120,
      cached_input_tokens: 20,
      output_tokens: 30,
      reasoning_tokens: 5,
      total_tokens: 155,
      cost_usd: 0.25,
      model: "old-model",
      backend: "remote_a2a",
      cost_source: "reported",
      usage_source: "observed",
    },
  ],
  ["run_completed", { final_response: OLD.final_response }],
];

/** The run's rows as 38630b5's RunLog wrote them: its record (that release's shape), events and checkpoint. */
export function writeOldRun(sql: SqlStorage): void {
  exec(sql, RUN_DDL);
  const record = {
    run_id: OLD.run_id,
    tenant: "globex",
    backend: "remote_a2a",
    placement: "edge",
    role: "worker",
    status: "completed",
    status_reason: null,
    created_at: OLD.created_at,
    started_at: OLD.created_at,
    updated_at: OLD.completed_at,
    completed_at: OLD.completed_at,
    last_seq: OLD_EVENTS.length,
    summary: OLD.final_response,
    // That release kept each artifact_added event's data as it came (before the event's sanitizing),
    // and no runner name.
    result: {
      final_response: OLD.final_response,
      artifacts: [OLD_EVENTS[2]![1], OLD_EVENTS[3]![1], { artifact_id: "big", text: BIG_TEXT }],
      files_changed: [],
      usage: OLD.usage,
    },
    error: null,
    session_id: OLD.session_id,
    agent_name: OLD.agent_name,
    parent_run_id: null,
    child_run_ids: [],
    remote_ref: { task_id: "task-old", context_id: "ctx-old" },
    cwd: null,
    metadata: { from: "38630b5" },
    timeout_s: 600,
    relay_seq: 0,
    lane_id: OLD.lane_id,
    review: null,
    spec: { message: { role: "user", parts: [{ kind: "text", text: "go" }] }, config: {} },
  };
  sql.exec("INSERT OR REPLACE INTO sy_record (id, doc) VALUES (1, ?)", JSON.stringify(record));
  OLD_EVENTS.forEach(([type, data], i) =>
    sql.exec(
      "INSERT INTO sy_events (seq, ts, type, data) VALUES (?, ?, ?, ?)",
      i + 1,
      OLD.created_at,
      type,
      JSON.stringify(data),
    ),
  );
  sql.exec(
    "INSERT INTO sy_chunks (seq, pointer, idx, bytes) VALUES (?, ?, ?, ?)",
    BIG_SEQ,
    "/text",
    0,
    new TextEncoder().encode(BIG_TEXT),
  );
  sql.exec(
    "INSERT OR REPLACE INTO sy_private (key, doc) VALUES (?, ?)",
    "checkpoint",
    JSON.stringify({ task_id: "task-old", context_id: "ctx-old" }),
  );
}
