// The run spec's conversions on their own: tool input → spec, record → backend run and dispatch
// frame, dispatch → the runner's backend run, finished run → its continuation. Secrets stay out of
// every public shape; a record as the previous code stored it still converts.
import { describe, expect, it } from "vitest";
import { DispatchFrameSchema } from "../../shared/protocol/frames.ts";
import { PROFILES } from "../../shared/profiles/index.ts";
import { RunRecordSchema, emptyUsage, type RunRecord } from "../../worker/runs/run-record.ts";
import {
  RunSpecSchema,
  forContinuation,
  fromDispatch,
  fromRequest,
  toBackendRun,
  toDispatch,
} from "../../shared/runs/run-spec.ts";
import { newRunRecord } from "../../worker/runs/spawn.ts";

const SECRET = "sk-secret-spec-42";
const OUTPUT_SCHEMA = { type: "object", properties: { ok: { type: "boolean" } } };
const text = (t: string) => ({ role: "user" as const, parts: [{ kind: "text" as const, text: t }] });

/** A record's stored document exactly as the code before the run spec module wrote it. */
const STORED_BEFORE = JSON.parse(
  JSON.stringify({
    run_id: "run_01",
    tenant: "acme",
    backend: "codex",
    placement: "runner",
    runner: "laptop",
    role: "implementer",
    status: "completed",
    status_reason: null,
    created_at: "2026-12-01T00:00:00.000Z",
    started_at: "2026-12-01T00:00:01.000Z",
    updated_at: "2026-12-01T00:00:02.000Z",
    completed_at: "2026-12-01T00:00:02.000Z",
    last_seq: 6,
    summary: "done",
    result: {
      final_response: "done",
      artifacts: [],
      files_changed: [],
      usage: emptyUsage(),
    },
    error: null,
    session_id: "ses_01",
    agent_name: "implementer-1",
    parent_run_id: null,
    child_run_ids: [],
    remote_ref: { runner: "laptop", thread_id: "t-1" },
    cwd: "/w/repo",
    metadata: { ticket: "T-7" },
    timeout_s: 1234,
    relay_seq: 4,
    lane_id: null,
    review: null,
    spec: {
      message: text("implement the loop"),
      profile_text: undefined,
      profile_path: "profiles/IMPLEMENTER.md",
      output_schema: OUTPUT_SCHEMA,
      config: { runner: "laptop", model: "gpt-test" },
      session_ref: { thread_id: "t-0" },
    },
  }),
) as RunRecord;

const PRIVATE = { secrets: { api_key: SECRET }, checkpoint: { conversation: ["hi"] } };

describe("fromRequest", () => {
  it("takes the given spec fields as they are, builds the message and leaves everything else out", () => {
    const spec = fromRequest(
      {
        prompt: "first",
        input_message: { role: "user", parts: [{ kind: "data", data: { n: 1 } }] },
        profile_path: "P.md",
        output_schema: OUTPUT_SCHEMA,
        // Arguments that are not spec fields (and one that bears secrets) do not land in it.
        ...({ lane_id: "lane-1", backend_config: { api_key: SECRET } } as object),
      },
      { model: "m" },
    );
    expect(spec).toEqual({
      message: {
        role: "user",
        parts: [
          { kind: "text", text: "first" },
          { kind: "data", data: { n: 1 } },
        ],
      },
      profile_path: "P.md",
      output_schema: OUTPUT_SCHEMA,
      config: { model: "m" },
    });
    expect(JSON.stringify(spec)).not.toContain(SECRET);
    expect(RunSpecSchema.parse(spec)).toEqual(spec);
  });

  it("sets no field the caller left out, and a shipped profile becomes its text", () => {
    const bare = fromRequest({ prompt: "go" }, {});
    expect(Object.keys(bare).sort()).toEqual(["config", "message"]);
    const profiled = fromRequest({ prompt: "go", profile: "reviewer-remediator" }, {});
    expect(profiled.profile_text).toBe(PROFILES["reviewer-remediator"]);
    expect(profiled.profile_text?.length).toBeGreaterThan(0);
  });

  it("becomes the record's spec with the session's handle the tenant settled", () => {
    const spec = fromRequest({ prompt: "go", profile_text: "be terse" }, { model: "m" });
    const record = newRunRecord(
      {
        backend: "openai_compatible",
        role: "worker",
        spec,
        session_mode: "resume",
        session_id: "ses_1",
        metadata: {},
        fingerprint: "f",
        timeout_s: 60,
      },
      {
        tenant: "acme",
        run_id: "run_1",
        session_id: "ses_1",
        agent_name: "a",
        session_ref: { response_id: "r-1" },
        placement: "edge",
        now: "2026-12-01T00:00:00.000Z",
      },
    );
    expect(record.spec).toEqual({ ...spec, session_ref: { response_id: "r-1" } });
  });
});

describe("a record stored by the previous code", () => {
  it("parses as a record, and its spec as a spec, unchanged", () => {
    expect(RunRecordSchema.parse(STORED_BEFORE)).toEqual(STORED_BEFORE);
    expect(RunSpecSchema.parse(STORED_BEFORE.spec)).toEqual(STORED_BEFORE.spec);
  });

  it("dispatches the frame the previous code sent", () => {
    expect(toDispatch(STORED_BEFORE, PRIVATE)).toEqual({
      run_id: "run_01",
      backend: "codex",
      message: text("implement the loop"),
      cwd: "/w/repo",
      profile_path: "profiles/IMPLEMENTER.md",
      output_schema: OUTPUT_SCHEMA,
      config: { runner: "laptop", model: "gpt-test" },
      secrets: { api_key: SECRET },
      ref: { runner: "laptop", thread_id: "t-1" },
      session_ref: { thread_id: "t-0" },
      checkpoint: { conversation: ["hi"] },
      acked_seq: 4,
    });
  });

  it("gives an edge backend the run the previous code built", () => {
    const run = toBackendRun(STORED_BEFORE, PRIVATE);
    expect(run).toEqual({
      runId: "run_01",
      message: text("implement the loop"),
      cwd: "/w/repo",
      outputSchema: OUTPUT_SCHEMA,
      metadata: { ticket: "T-7" },
      config: { runner: "laptop", model: "gpt-test" },
      secrets: { api_key: SECRET },
      ref: { runner: "laptop", thread_id: "t-1" },
      sessionRef: { thread_id: "t-0" },
      checkpoint: { conversation: ["hi"] },
    });
    // The run's own handle, so the object's ref updates are what the backend sees next time.
    expect(run.ref).toBe(STORED_BEFORE.remote_ref);
  });
});

describe("the dispatch frame", () => {
  const frame = DispatchFrameSchema.parse({ type: "run.dispatch", ...toDispatch(STORED_BEFORE, PRIVATE) });

  it("carries the spec over the wire whole; its secrets are not part of the spec", () => {
    const spec = RunSpecSchema.parse(frame);
    expect(spec).toEqual(STORED_BEFORE.spec);
    expect(JSON.stringify(spec)).not.toContain(SECRET);
    expect(frame.secrets).toEqual({ api_key: SECRET });
  });

  it("becomes the runner's backend run: checked cwd, resolved profile, a ref of its own", () => {
    const run = fromDispatch(frame, { cwd: "/real/w/repo", profile_text: "from the file" });
    expect(run).toEqual({
      ...toBackendRun(STORED_BEFORE, PRIVATE),
      cwd: "/real/w/repo",
      profileText: "from the file",
      metadata: undefined,
    });
    expect(run).not.toHaveProperty("profilePath");
    run.ref.thread_id = "t-2";
    expect(frame.ref.thread_id).toBe("t-1");
  });
});

describe("a lane run's dispatch frame", () => {
  const lane = {
    lane_id: "lane-1",
    repo: "/w/repo",
    branch: "switchyard/lane-1",
    commit_policy: "commit" as const,
    test_timeout_s: 600,
  };

  it("carries the lane and the run's role, which the runner's commit message names", () => {
    const run = { ...STORED_BEFORE, spec: { ...STORED_BEFORE.spec, lane } };
    const frame = DispatchFrameSchema.parse({ type: "run.dispatch", ...toDispatch(run, PRIVATE) });
    expect(frame.lane).toEqual(lane);
    expect(frame.role).toBe("implementer");
  });

  it("is the only one with a role: a run outside a lane dispatches as before", () => {
    expect(toDispatch(STORED_BEFORE, PRIVATE)).not.toHaveProperty("role");
  });
});

describe("forContinuation", () => {
  it("keeps backend, role, cwd, metadata, timeout and spec; takes the new message; drops the session handle", () => {
    const next = forContinuation(STORED_BEFORE, text("now the tests"));
    const { session_ref: _, ...kept } = STORED_BEFORE.spec;
    expect(next).toEqual({
      backend: "codex",
      role: "implementer",
      cwd: "/w/repo",
      session_mode: "resume",
      session_id: "ses_01",
      metadata: { ticket: "T-7" },
      timeout_s: 1234,
      spec: { ...kept, message: text("now the tests") },
    });
  });

  it("takes a config given anew instead of the finished run's", () => {
    const next = forContinuation(STORED_BEFORE, text("again"), { runner: "desk" });
    expect(next.spec.config).toEqual({ runner: "desk" });
    expect(next.spec.profile_path).toBe("profiles/IMPLEMENTER.md");
  });
});
