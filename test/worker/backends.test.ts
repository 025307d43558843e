// list_available_backends: each availability state, produced for real by the runners connected.
import { describe, expect, it } from "vitest";
import { connect } from "./support/mcp.ts";
import { ScriptedRunner } from "./support/scripted-runner.ts";

const state = (answer: any, backend: string) => answer.backends.find((b: any) => b.backend === backend);

describe("list_available_backends", () => {
  it("reports available, unavailable, declared_not_installed, reachable and unknown", async () => {
    const c = await connect("test-token-globex");
    let answer = await c.ok("list_available_backends", {});
    expect(state(answer, "remote_a2a")).toMatchObject({ runs_at: "edge", availability_state: "available" });
    expect(state(answer, "openai_compatible").runs_at).toBe("edge_or_runner");
    expect(state(answer, "codex")).toMatchObject({ runs_at: "runner", availability_state: "unavailable" });
    expect(state(answer, "codex").capabilities).toMatchObject({ resume: true, cancel: true });

    // A runner without the agent executables: it declares them as probed, not installed.
    const bare = await ScriptedRunner.connect({
      token: "runner-token-globex",
      name: "bare",
      backends: [],
      uninstalled: ["codex", "claude_code"],
    });
    await bare.next("runner.welcome");
    answer = await c.ok("list_available_backends", {});
    expect(state(answer, "codex").availability_state).toBe("declared_not_installed");
    expect(state(answer, "codex").runners).toEqual([
      expect.objectContaining({ runner: "bare", installed: false }),
    ]);

    // A runner with them, one slot, then busy.
    const full = await ScriptedRunner.connect({
      token: "runner-token-globex",
      name: "full",
      backends: ["codex", "claude_code"],
      maxRuns: 1,
    });
    await full.next("runner.welcome");
    answer = await c.ok("list_available_backends", {});
    expect(state(answer, "claude_code").availability_state).toBe("available");
    expect(state(answer, "codex").runners.find((r: any) => r.runner === "full")).toMatchObject({
      installed: true,
      free_slots: 1,
    });
    await c.ok("spawn_run", { backend: "codex", prompt: "go", cwd: "/w" });
    await full.next("run.dispatch");
    answer = await c.ok("list_available_backends", {});
    expect(state(answer, "codex").availability_state).toBe("reachable");

    answer = await c.ok("list_available_backends", { probe: false });
    expect(state(answer, "codex").availability_state).toBe("unknown");
    bare.close();
    full.close();
  });

  it("lists a runner only under the backends it declared, never under an edge backend", async () => {
    const c = await connect("test-token-globex");
    const only = await ScriptedRunner.connect({
      token: "runner-token-globex",
      name: "codex-only",
      backends: ["codex"],
    });
    await only.next("runner.welcome");
    const answer = await c.ok("list_available_backends", {});
    const names = (backend: string) => state(answer, backend).runners.map((r: any) => r.runner);
    expect(names("remote_a2a")).toEqual([]);
    expect(names("codex")).toContain("codex-only");
    expect(names("claude_code")).not.toContain("codex-only");
    expect(names("openai_compatible")).not.toContain("codex-only");
    expect(state(answer, "codex").runners.find((r: any) => r.runner === "codex-only")).toMatchObject({
      installed: true,
      credentials: "configured",
    });
    only.close();
  });
});
