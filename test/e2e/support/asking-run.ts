// A relaying claude_code run whose (fake) model asks to run a command, for the approval tests over
// MCP and in the browser alike.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { FakeAnthropic } from "../../fixtures/fake-anthropic.ts";
import type { AgentsEnv } from "./agents-env.ts";
import { callOk } from "./mcp-http.ts";

/** A command acceptEdits does not accept by itself, so Claude Code asks for it. */
export const ASKED_COMMAND = "sh -c 'echo approved > made.txt'";

/** Spawns the run in a new directory `name` under the agents' root; the model asks once, then finishes. */
export async function spawnAskingRun(
  client: Client,
  agents: AgentsEnv,
  anthropic: FakeAnthropic,
  name: string,
): Promise<{ runId: string; cwd: string }> {
  const cwd = join(agents.root, name);
  await mkdir(cwd, { recursive: true });
  anthropic.script([
    { kind: "shell", command: ASKED_COMMAND },
    { kind: "text", text: "Finished." },
  ]);
  const { run_id: runId } = await callOk(client, "spawn_run", {
    backend: "claude_code",
    prompt: "Make the file.",
    cwd,
    approvals: "relay",
  });
  return { runId, cwd };
}
