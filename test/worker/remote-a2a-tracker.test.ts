// Pure tests of the A2A → event mapping and its exactly-once bookkeeping (remote-a2a/tracker.ts),
// plus the backoff, usage normalization and config schema. No network.
import { Role, TaskState, type Message, type Part, type StreamResponse, type Task } from "@a2a-js/sdk";
import { describe, expect, it } from "vitest";
import { RemoteA2aConfigSchema } from "../../worker/backends/remote-a2a.ts";
import { AGENT_BACKOFF, agentRetryMs } from "../../worker/backends/remote-a2a/backoff.ts";
import { fromA2aParts, toA2aMessage, usageFrom } from "../../worker/backends/remote-a2a/parts.ts";
import { A2aTracker } from "../../worker/backends/remote-a2a/tracker.ts";
import type { NewEvent } from "../../shared/runs/events.ts";

const S = TaskState;
const ids = { taskId: "task-1", contextId: "ctx-1" };
const text = (value: string): Part => ({
  content: { $case: "text", value },
  metadata: undefined,
  filename: "",
  mediaType: "",
});
const data = (value: Record<string, unknown>): Part => ({
  content: { $case: "data", value },
  metadata: undefined,
  filename: "",
  mediaType: "",
});
const message = (id: string, role: Role, parts: Part[], metadata?: Record<string, unknown>): Message => ({
  messageId: id,
  ...ids,
  role,
  parts,
  metadata,
  extensions: [],
  referenceTaskIds: [],
});
const agent = (id: string, words: string, ...rest: Part[]) =>
  message(id, Role.ROLE_AGENT, [text(words), ...rest]);
const user = (id: string, words: string) => message(id, Role.ROLE_USER, [text(words)]);
const status = (state: TaskState, m?: Message, timestamp = `t-${m?.messageId ?? state}`) => ({
  state,
  message: m,
  timestamp,
});

const task = (
  state: TaskState,
  history: Message[],
  artifacts: Task["artifacts"] = [],
  m?: Message,
): StreamResponse => ({
  payload: {
    $case: "task",
    value: {
      id: ids.taskId,
      contextId: ids.contextId,
      status: status(state, m),
      history,
      artifacts,
      metadata: {},
    },
  },
});
const update = (state: TaskState, m?: Message, metadata?: Record<string, unknown>): StreamResponse => ({
  payload: { $case: "statusUpdate", value: { ...ids, status: status(state, m), metadata } },
});
const chunk = (id: string, parts: Part[], append: boolean, lastChunk = false): StreamResponse => ({
  payload: {
    $case: "artifactUpdate",
    value: {
      ...ids,
      artifact: { artifactId: id, name: id, description: "", parts, metadata: undefined, extensions: [] },
      append,
      lastChunk,
      metadata: undefined,
    },
  },
});
const artifact = (id: string, parts: Part[]) => ({
  artifactId: id,
  name: id,
  description: "",
  parts,
  metadata: undefined,
  extensions: [],
});

const run = (tracker: A2aTracker, items: StreamResponse[]): NewEvent[] =>
  items.flatMap((i) => tracker.apply(i));
const types = (events: NewEvent[]) => events.map((e) => e.type);
const said = (events: NewEvent[]) => events.filter((e) => e.type === "agent_message").map((e) => e.data.text);

const fresh = (turn = "u1") => {
  const t = new A2aTracker();
  t.beginTurn(turn);
  return t;
};

describe("A2aTracker mapping", () => {
  it("maps a streamed task to started, messages, artifact, usage and completion", () => {
    const events = run(fresh(), [
      task(S.TASK_STATE_SUBMITTED, [user("u1", "go")]),
      update(S.TASK_STATE_WORKING, agent("a1", "working")),
      chunk("out", [text("partial ")], false),
      chunk("out", [text("rest"), data({ k: 1 })], true, true),
      update(S.TASK_STATE_COMPLETED, agent("a2", "done", data({ answer: 1 })), {
        usage: { prompt_tokens: 3, completion_tokens: 4 },
      }),
    ]);
    expect(types(events)).toEqual([
      "run_started",
      "agent_message",
      "artifact_added",
      "artifact_added",
      "agent_message",
      "usage",
      "run_completed",
    ]);
    expect(events[0]?.data).toEqual({ task_id: "task-1", context_id: "ctx-1" });
    expect(events[3]?.data).toMatchObject({
      artifact_id: "out",
      append: true,
      last_chunk: true,
      text: "rest",
    });
    expect(events[4]?.data.parts).toHaveLength(2);
    expect(events[5]?.data).toMatchObject({ input_tokens: 3, output_tokens: 4 });
    expect(events.at(-1)?.data).toEqual({ final_response: "done", structured_output: { answer: 1 } });
  });

  it("takes the structured output from the latest message, not from progress sent as data before it", () => {
    const progressThenText = run(fresh(), [
      task(S.TASK_STATE_SUBMITTED, [user("u1", "go")]),
      update(S.TASK_STATE_WORKING, agent("a1", "step", data({ progress: 1 }))),
      update(S.TASK_STATE_COMPLETED, agent("a2", "done")),
    ]);
    expect(progressThenText.at(-1)?.data).toEqual({ final_response: "done" });
    // Without a data part in the latest message, an artifact's data is the answer.
    const artifactThenText = run(fresh(), [
      task(S.TASK_STATE_SUBMITTED, [user("u1", "go")]),
      update(S.TASK_STATE_WORKING, agent("a1", "step", data({ progress: 1 }))),
      chunk("out", [data({ answer: 2 })], false, true),
      update(S.TASK_STATE_COMPLETED, agent("a2", "done")),
    ]);
    expect(artifactThenText.at(-1)?.data).toEqual({
      final_response: "done",
      structured_output: { answer: 2 },
    });
  });

  it.each([
    [S.TASK_STATE_FAILED, "run_failed"],
    [S.TASK_STATE_REJECTED, "rejected"],
    [S.TASK_STATE_INPUT_REQUIRED, "input_required"],
    [S.TASK_STATE_AUTH_REQUIRED, "auth_required"],
  ])("ends the turn on state %i with %s", (state, type) => {
    const t = fresh();
    const events = run(t, [task(S.TASK_STATE_WORKING, []), update(state, agent("a1", "why"))]);
    expect(types(events).at(-1)).toBe(type);
    expect(t.ended).toBe(true);
  });

  it("ends the turn on cancel without a terminal event", () => {
    const t = fresh();
    expect(types(run(t, [task(S.TASK_STATE_WORKING, []), update(S.TASK_STATE_CANCELED)]))).toEqual([
      "run_started",
    ]);
    expect(t.ended).toBe(true);
  });

  it("completes on a bare message reply", () => {
    const t = fresh();
    const reply: StreamResponse = {
      payload: { $case: "message", value: { ...agent("m1", "hi"), taskId: "" } },
    };
    expect(types(t.apply(reply))).toEqual(["run_started", "agent_message", "run_completed"]);
    expect(t.ended).toBe(true);
  });
});

describe("A2aTracker exactly-once", () => {
  const streamed = [
    task(S.TASK_STATE_WORKING, [user("u1", "go")]),
    update(S.TASK_STATE_WORKING, agent("a1", "one")),
    chunk("out", [text("x")], false),
    update(S.TASK_STATE_WORKING, agent("a2", "two")),
  ];

  it("emits nothing for a snapshot or messages it has already seen", () => {
    const t = fresh();
    run(t, streamed);
    const replay = [
      task(S.TASK_STATE_WORKING, [user("u1", "go"), agent("a1", "one")], [artifact("out", [text("x")])]),
      streamed[3]!,
    ];
    expect(run(t, replay)).toEqual([]);
  });

  it("after a restart, yields from a snapshot only what the checkpoint lacks", () => {
    const first = fresh();
    run(first, streamed);
    const restarted = new A2aTracker(JSON.parse(JSON.stringify(first.checkpoint)));
    const snapshot = task(
      S.TASK_STATE_COMPLETED,
      [user("u1", "go"), agent("a1", "one"), agent("a2", "two"), agent("a3", "three")],
      [artifact("out", [text("x"), text("y")])],
      agent("a3", "three"),
    );
    const events = restarted.apply(snapshot);
    expect(types(events)).toEqual(["agent_message", "artifact_added", "run_completed"]);
    expect(said(events)).toEqual(["three"]);
    expect(events[1]?.data).toMatchObject({ text: "y", append: true });
    expect(restarted.apply(snapshot)).toEqual([]);
  });

  it("drops live updates a resubscribe replays after its snapshot", () => {
    const t = fresh();
    run(t, streamed);
    t.apply(
      task(
        S.TASK_STATE_WORKING,
        [user("u1", "go"), agent("a1", "one"), agent("a2", "two")],
        [artifact("out", [text("x"), text("z")])],
      ),
    );
    expect(
      run(t, [chunk("out", [text("z")], true), update(S.TASK_STATE_WORKING, agent("a2", "two"))]),
    ).toEqual([]);
    expect(types(run(t, [chunk("out", [text("z")], true)]))).toEqual(["artifact_added"]);
  });

  it("on continue, skips earlier turns and the status that ended the previous turn", () => {
    const t = fresh();
    run(t, [
      task(S.TASK_STATE_SUBMITTED, [user("u1", "go")]),
      update(S.TASK_STATE_INPUT_REQUIRED, agent("q", "name?")),
    ]);
    const next = new A2aTracker(t.checkpoint);
    next.beginTurn("u2");
    const history = [user("u1", "go"), agent("q", "name?"), user("u2", "Ada")];
    expect(next.apply(task(S.TASK_STATE_INPUT_REQUIRED, history, [], agent("q", "name?")))).toEqual([]);
    expect(next.ended).toBe(false);
    const events = next.apply(update(S.TASK_STATE_COMPLETED, agent("a", "Hello, Ada")));
    expect(types(events)).toEqual(["agent_message", "run_completed"]);
  });

  it("keys messages without ids by content", () => {
    const t = fresh();
    const anonymous = update(S.TASK_STATE_WORKING, agent("", "same words"));
    expect(said(run(t, [anonymous, anonymous]))).toEqual(["same words"]);
  });

  it("bumps its revision with every change to the checkpoint, so followers miss none", () => {
    const t = new A2aTracker();
    const steps: Array<() => unknown> = [
      () => t.beginTurn("u1"),
      ...[
        ...streamed,
        chunk("out", [text("y")], true),
        task(S.TASK_STATE_WORKING, [user("u1", "go")], [artifact("snap", [text("a"), text("b")])]),
        update(S.TASK_STATE_INPUT_REQUIRED, agent("q", "name?")),
        streamed[1]!, // a repeat: no change, no bump
      ].map((item) => () => t.apply(item)),
      () => t.beginTurn("u2"),
      () => t.apply({ payload: { $case: "message", value: { ...agent("m1", "hi"), taskId: "" } } }),
    ];
    let changes = 0;
    for (const step of steps) {
      const [before, revision] = [JSON.stringify(t.checkpoint), t.revision];
      step();
      const changed = JSON.stringify(t.checkpoint) !== before;
      changes += changed ? 1 : 0;
      expect(t.revision !== revision).toBe(changed);
    }
    expect(changes).toBe(steps.length - 1);
  });

  it("starts fresh from a checkpoint it cannot read", () => {
    const t = new A2aTracker({ v: 99 });
    expect(types(t.apply(task(S.TASK_STATE_WORKING, [])))).toEqual(["run_started"]);
  });
});

describe("remote_a2a helpers", () => {
  it("backs off with full jitter under a doubling cap", () => {
    const fixed = (value: number) => ({ ...AGENT_BACKOFF, random: () => value });
    expect(agentRetryMs(1, fixed(0.999))).toBeLessThan(250);
    expect(agentRetryMs(3, fixed(0.999))).toBeLessThan(1000);
    expect(agentRetryMs(30, fixed(0.999))).toBeLessThan(4000);
    expect(agentRetryMs(5, fixed(0))).toBe(0);
  });

  it("converts every Switchyard part kind to A2A and back", () => {
    const parts = [
      { kind: "text", text: "hi" },
      { kind: "data", data: { a: [1, 2] } },
      { kind: "file", file: { name: "a.txt", mime_type: "text/plain", uri: "https://files.example/a.txt" } },
      { kind: "file", file: { name: "b.bin", mime_type: "application/octet-stream", bytes: "AAEC/w==" } },
    ] as const;
    const message = toA2aMessage({ role: "user", parts: [...parts] }, { taskId: "t", contextId: "c" });
    expect(message).toMatchObject({ role: Role.ROLE_USER, taskId: "t", contextId: "c" });
    expect(fromA2aParts(message.parts)).toEqual(parts);
  });

  it("normalizes usage spellings and ignores metadata without usage", () => {
    expect(usageFrom({ usage: { inputTokens: 5, outputTokens: 2, reasoning_tokens: 1 } })).toMatchObject({
      input_tokens: 5,
      output_tokens: 2,
      reasoning_tokens: 1,
      cached_input_tokens: 0,
    });
    expect(usageFrom({ other: 1 })).toBeUndefined();
    expect(usageFrom({ usage: { input_tokens: -1 } })).toBeUndefined();
  });

  it.each([
    [
      {
        agent_url: "https://agent.example/a2a",
        headers: { "X-Key": "v" },
        auth_token: "t",
        history_length: 5,
      },
      true,
    ],
    [{ agent_url: "ftp://agent.example" }, false],
    [{ agent_url: "https://user:pw@agent.example" }, false],
    [{ agent_url: "https://agent.example", headers: { "bad header": "v" } }, false],
    [{ agent_url: "https://agent.example", agent_card_path: "https://other.example/card.json" }, false],
    [{ agent_url: "https://agent.example", unknown_key: 1 }, false],
  ])("validates backend_config %#", (config, ok) => {
    expect(RemoteA2aConfigSchema.safeParse(config).success).toBe(ok);
  });
});
