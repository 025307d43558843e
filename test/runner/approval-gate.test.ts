// The approval gate on its own: one request of a run out at a time, answers by request id, the
// timeout's denial, a withdrawn request, and what each relays (input_required, approval_resolved).
import { describe, expect, it } from "vitest";
import type { BackendOutput } from "../../shared/backends/backend.ts";
import { createApprovalGate } from "../../runner/agents/approval-gate.ts";
import { Changes } from "./support/changes.ts";

function gateWith(timeoutMs = 60_000) {
  const relayed: BackendOutput[] = [];
  const changes = new Changes();
  let n = 0;
  const gate = createApprovalGate({
    relay: async (output) => {
      relayed.push(output);
      changes.notify();
    },
    timeoutMs,
    newId: () => `req-${++n}`,
  });
  const events = () => relayed.flatMap((o) => (o.kind === "event" ? [o.event] : []));
  const asked = () => events().filter((e) => e.type === "input_required");
  const until = (count: number) => changes.until(() => asked().length === count, `${count} requests`);
  return { gate, events, asked, until, changes };
}

const signal = () => new AbortController().signal;

describe("approval gate", () => {
  it("relays one request at a time and answers each by its id", async () => {
    const { gate, events, asked, until } = gateWith();
    const first = gate.ask({ tool: "Bash", command: "make" }, signal());
    const second = gate.ask({ tool: "Write", file: "/w/a.txt" }, signal());
    await until(1);
    expect(asked()[0]!.data).toEqual({
      message: "approval needed: Bash make",
      approval: { request_id: "req-1", tool: "Bash", command: "make" },
    });
    // The second waits behind the first: nothing to answer yet.
    expect(gate.answer("req-2", { approve: true })).toBe(false);

    expect(gate.answer("req-1", { approve: true })).toBe(true);
    expect(await first).toEqual({ approve: true });
    await until(2);
    expect(asked()[1]!.data.approval).toEqual({ request_id: "req-2", tool: "Write", file: "/w/a.txt" });
    gate.answer("req-2", { approve: false, reason: "read only" });
    expect(await second).toEqual({ approve: false, message: "the caller denied it: read only" });

    expect(
      events().map((e) => [
        e.type,
        e.data.request_id ?? (e.data.approval as { request_id: string }).request_id,
      ]),
    ).toEqual([
      ["input_required", "req-1"],
      ["approval_resolved", "req-1"],
      ["input_required", "req-2"],
      ["approval_resolved", "req-2"],
    ]);
    expect(
      events()
        .filter((e) => e.type === "approval_resolved")
        .map((e) => e.data),
    ).toEqual([
      { request_id: "req-1", approve: true, by: "caller" },
      { request_id: "req-2", approve: false, by: "caller", reason: "read only" },
    ]);
    // Answered requests are gone.
    expect(gate.answer("req-1", { approve: false })).toBe(false);
  });

  it("denies a request nobody answers at the timeout, and then forgets it", async () => {
    const { gate, events } = gateWith(50);
    const decision = await gate.ask({ tool: "Bash", command: "rm -rf /" }, signal());
    expect(decision).toEqual({ approve: false, message: "denied: no answer within 0.05 s" });
    expect(events().at(-1)).toEqual({
      type: "approval_resolved",
      data: { request_id: "req-1", approve: false, by: "timeout", reason: "no answer within 0.05 s" },
    });
    expect(gate.answer("req-1", { approve: true })).toBe(false);
  });

  it("a withdrawn request is denied without an approval_resolved, and one asked after the abort is never relayed", async () => {
    const { gate, events, until } = gateWith();
    const abort = new AbortController();
    const waiting = gate.ask({ tool: "Bash", command: "sleep 1" }, abort.signal);
    await until(1);
    abort.abort();
    expect(await waiting).toMatchObject({ approve: false });
    expect(gate.answer("req-1", { approve: true })).toBe(false);
    expect(await gate.ask({ tool: "Bash", command: "ls" }, abort.signal)).toMatchObject({ approve: false });
    expect(events().map((e) => e.type)).toEqual(["input_required"]);
  });
});
