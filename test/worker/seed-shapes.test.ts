// The seed orchestrator's call shapes: its message shape beside the A2A one on every tool taking
// a message (one stored shape, errors naming the field), `profile` as a persona file's absolute
// path, and every example of its README replayed — paths adapted to the test runner's roots,
// agent URLs to the A2A fixtures, and a codex run pinned to the scripted runner by name.
import { describe, expect, it } from "vitest";
import { SYSTEM_LINE } from "../../shared/runs/messages.ts";
import { agentUrl, connect, drainEvents, spawnA2aRun, waitForStatus } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";
import { storedRecord } from "./support/storage.ts";

const PROJECT = "/abs/path/to/project";
const PROFILE = "/abs/path/to/orchestration-mcp/profile/reviewer-remediator.md";

/** A scripted codex runner of its own; codex spawns name it in backend_config.runner. */
async function codexRunner(prefix: string) {
  const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  return { name, runner: await ScriptedRunner.connect({ name, backends: ["codex"], roots: ["/abs"] }) };
}

describe("the seed README's examples", () => {
  it("simple example: a codex worker, prompt, cwd, session_mode new", async () => {
    const c = await connect();
    const { name, runner } = await codexRunner("seed-simple");
    const run = await c.ok("spawn_run", {
      backend: "codex",
      role: "worker",
      prompt: "Inspect the repository and summarize the architecture.",
      cwd: PROJECT,
      session_mode: "new",
      backend_config: { runner: name },
    });
    const dispatch = await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    expect(dispatch).toMatchObject({ backend: "codex", cwd: PROJECT });
    expect(dispatch.message).toEqual({
      role: "user",
      parts: [{ kind: "text", text: "Inspect the repository and summarize the architecture." }],
    });
    runner.close();
  });

  it("remote A2A example: backend_config.agent_url, then poll_events to the end and get_run", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", {
      backend: "remote_a2a",
      role: "worker",
      prompt: "Inspect the repository and summarize the architecture.",
      cwd: PROJECT,
      session_mode: "new",
      backend_config: { agent_url: agentUrl("streaming") },
    });
    const events = await drainEvents(c, run.run_id);
    expect(events.at(-2)?.type).toBe("run_completed");
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(got).toMatchObject({ status: "completed", cwd: PROJECT, role: "worker" });
  });

  it("reviewer example: profile as an absolute path reaches the runner as the file to read", async () => {
    const c = await connect();
    const { name, runner } = await codexRunner("seed-reviewer");
    const run = await c.ok("spawn_run", {
      backend: "codex",
      role: "reviewer",
      cwd: PROJECT,
      session_mode: "new",
      profile: PROFILE,
      prompt:
        "Review only the latest diff in the current working directory, apply low-risk fixes when clearly " +
        "correct, validate them, and write a remediation report.",
      backend_config: { runner: name },
    });
    const dispatch = await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    expect(dispatch.profile_path).toBe(PROFILE);
    expect(dispatch.profile_text).toBeUndefined();
    expect(await storedRecord(run.run_id)).toMatchObject({
      role: "reviewer",
      spec: { profile_path: PROFILE },
    });
    runner.close();
  });

  it("continue_run notes: run_id and a seed-shaped input_message answer input_required", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "inputRequired");
    await waitForStatus(c, run.run_id, ["input_required"]);
    const next = await c.ok("continue_run", {
      run_id: run.run_id,
      input_message: { role: "user", parts: [{ type: "text", text: "Ada" }] },
    });
    expect(next).toMatchObject({ mode: "live", run_id: run.run_id });
    const done = await waitForStatus(c, run.run_id, ["completed"]);
    expect(done.result.structured_output).toEqual({ answer: "Ada" });
    const events = await drainEvents(c, run.run_id);
    const added = events.find((e) => e.type === "message_added");
    expect(added.data).toMatchObject({ role: "user", parts: [{ kind: "text", text: "Ada" }] });
  });

  it("get_event_artifact notes: run_id, seq, field_path, offset and limit read an artifact_refs entry", async () => {
    const c = await connect();
    const run = await spawnA2aRun(c, "bigOutput");
    const events = await drainEvents(c, run.run_id);
    const big = events.find((e) => e.data.artifact_refs?.["/text"]);
    const page = await c.ok("get_event_artifact", {
      run_id: run.run_id,
      seq: big.seq,
      field_path: "/text",
      offset: 0,
      limit: 65536,
    });
    expect(page).toMatchObject({ offset: 0, has_more: true });
    expect(page.text.startsWith(big.data.text)).toBe(true);
  });
});

describe("messages in the seed's shape", () => {
  it("every part type is stored in the one A2A shape, with role system and metadata kept", async () => {
    const c = await connect();
    const { name, runner } = await codexRunner("seed-parts");
    const run = await c.ok("spawn_run", {
      backend: "codex",
      cwd: PROJECT,
      backend_config: { runner: name },
      input_message: {
        role: "system",
        metadata: { step: 3 },
        parts: [
          { type: "text", text: "Follow the plan." },
          { type: "data", data: { plan: ["a", "b"] } },
          { type: "file", uri: "https://example.com/plan.md", name: "plan.md", mime_type: "text/markdown" },
          { type: "file", bytes_base64: btoa("hi"), name: "hi.txt" },
        ],
      },
    });
    const dispatch = await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    const stored = {
      role: "system",
      metadata: { step: 3 },
      parts: [
        { kind: "text", text: "Follow the plan." },
        { kind: "data", data: { plan: ["a", "b"] } },
        {
          kind: "file",
          file: { uri: "https://example.com/plan.md", name: "plan.md", mime_type: "text/markdown" },
        },
        { kind: "file", file: { bytes: btoa("hi"), name: "hi.txt" } },
      ],
    };
    expect(dispatch.message).toEqual(stored);
    expect((await storedRecord(run.run_id)).spec).toMatchObject({ message: stored });
    runner.close();
  });

  it("a system message reaches an A2A agent as a user turn opened by the system line", async () => {
    const c = await connect();
    const run = await c.ok("spawn_run", {
      backend: "remote_a2a",
      backend_config: { agent_url: agentUrl("inputRequired") },
      input_message: { role: "system", parts: [{ type: "text", text: "hold" }] },
    });
    await waitForStatus(c, run.run_id, ["input_required"]);
    await c.ok("continue_run", {
      run_id: run.run_id,
      input_message: { role: "system", parts: [{ type: "text", text: "Bo" }] },
    });
    const done = await waitForStatus(c, run.run_id, ["completed"]);
    // The fixture answers with the text it received: the system line, then the message's text.
    expect(done.result.structured_output).toEqual({ answer: `${SYSTEM_LINE}\nBo` });
  });

  it("bad seed-shaped parts are refused naming the part's field", async () => {
    const c = await connect();
    const base = { backend: "remote_a2a", backend_config: { agent_url: agentUrl("streaming") } };
    const cases: [unknown, string][] = [
      [{ type: "text", text: "" }, "input_message.parts.0.text"],
      [{ type: "file", uri: "https://x.test/a", bytes_base64: btoa("a") }, "input_message.parts.0"],
      [{ type: "file", name: "nothing" }, "input_message.parts.0"],
      [{ type: "file", bytes_base64: "not base64!" }, "input_message.parts.0.bytes_base64"],
      [{ type: "data", data: { a: 1 }, extra: true }, "input_message.parts.0.extra"],
      [{ kind: "text", text: 7 }, "input_message.parts.0.text"],
      [{ shape: "neither" }, "input_message.parts.0"],
    ];
    for (const [part, field] of cases) {
      const error = await c.err("spawn_run", { ...base, input_message: { parts: [part] } });
      expect([error.code, error.field], JSON.stringify(part)).toEqual(["bad_request", field]);
    }
    const role = await c.err("continue_run", {
      run_id: "run_x",
      input_message: { role: "boss", parts: [{ type: "text", text: "x" }] },
    });
    expect([role.code, role.field]).toEqual(["bad_request", "input_message.role"]);
  });
});

describe("profile", () => {
  it("keeps built-in names: their text goes in the spec", async () => {
    const c = await connect();
    const { name, runner } = await codexRunner("seed-builtin");
    const run = await c.ok("spawn_run", {
      backend: "codex",
      prompt: "review",
      cwd: PROJECT,
      profile: "reviewer-remediator",
      backend_config: { runner: name },
    });
    const dispatch = await runner.next("run.dispatch", (f) => f.run_id === run.run_id);
    expect(dispatch.profile_text).toMatch(/^You are a code reviewer/);
    expect(dispatch.profile_path).toBeUndefined();
    runner.close();
  });

  it("refuses a relative path or unknown name, and a file for a run at the edge, naming the field", async () => {
    const c = await connect();
    const before = (await c.ok("list_runs", { limit: 200 })).runs.length;
    const a2a = { backend: "remote_a2a", prompt: "go", backend_config: { agent_url: agentUrl("streaming") } };
    for (const profile of ["profile/reviewer.md", "no-such-profile"]) {
      const error = await c.err("spawn_run", { ...a2a, profile });
      expect([error.code, error.field]).toEqual(["bad_request", "profile"]);
      expect(error.message).toContain("absolute path");
    }
    const edge = await c.err("spawn_run", { ...a2a, profile: PROFILE });
    expect([edge.code, edge.field]).toEqual(["bad_request", "profile"]);
    expect(edge.message).toContain("runs at the edge");
    const path = await c.err("spawn_run", { ...a2a, profile_path: "p.md" });
    expect([path.code, path.field]).toEqual(["bad_request", "profile_path"]);
    expect((await c.ok("list_runs", { limit: 200 })).runs).toHaveLength(before);
  });
});
