// Agent-to-agent messages for a tool caller: which agent the caller acts as (decided in one
// place), the message redacted with the live secrets of both agents' newest runs, stored in the
// recipient's inbox, and handed to the recipient's newest run — as its input when it waits for
// input and `deliver` is continue, otherwise as a message_added event while it waits unread.
import type { InputMessage } from "../../shared/runs/messages.ts";
import type { ToolContext } from "../mcp/tool.ts";
import { runStub, tenantStub } from "../objects/stubs.ts";
import { newMessageId } from "../runs/ids.ts";
import { SwitchyardError, badRequest } from "../../shared/errors.ts";
import { outOfScope } from "../orchestration/scope.ts";
import type { AgentEntry, AgentFilters } from "./agent-directory.ts";
import type { Delivery } from "./agent-inbox.ts";

/**
 * The agent a caller names itself as (`from_agent_name`, the inbox it fetches): any agent of its
 * tenant, except that a run-scoped caller is always its own run's agent (a name it gives must be
 * that one).
 */
export function actingAs(ctx: ToolContext, name: string, field: string): string;
export function actingAs(ctx: ToolContext, name: string | undefined, field: string): string | undefined;
export function actingAs(ctx: ToolContext, name: string | undefined, field: string): string | undefined {
  if (!ctx.scope) return name;
  if (name !== undefined && name !== ctx.scope.agent_name)
    throw badRequest(field, `with a run token, expected the run's own agent "${ctx.scope.agent_name}"`);
  return ctx.scope.agent_name;
}

/** An agent whose newest run is outside a run-scoped caller's scope is answered as no agent at all. */
async function assertAgentInScope(ctx: ToolContext, agent: AgentEntry, field: string): Promise<void> {
  if ((await outOfScope(ctx, [agent.last_run_id])).size)
    throw new SwitchyardError("not_found", `${field}: no agent "${agent.agent_name}"`, { field });
}

export interface SendInput {
  to_agent_name: string;
  from_agent_name?: string;
  cwd?: string;
  message: InputMessage;
  metadata?: Record<string, unknown>;
  deliver: Delivery;
}

export async function sendAgentMessage(ctx: ToolContext, input: SendInput) {
  const tenant = await tenantStub(ctx.env, ctx.tenant);
  const from = actingAs(ctx, input.from_agent_name, "from_agent_name");
  const to = await tenant.findAgent(input.to_agent_name, "to_agent_name", input.cwd);
  await assertAgentInScope(ctx, to, "to_agent_name");
  const sender = from === undefined ? null : await tenant.findAgent(from, "from_agent_name");
  await tenant.assertInboxRoom(to.agent_name);

  const toRun = await runStub(ctx.env, ctx.tenant, to.last_run_id);
  let clean = await toRun.redactAgentMessage({ body: input.message, metadata: input.metadata ?? {} });
  if (sender && sender.last_run_id !== to.last_run_id)
    clean = await (await runStub(ctx.env, ctx.tenant, sender.last_run_id)).redactAgentMessage(clean);
  const stored = await tenant.addAgentMessage({
    ...clean,
    message_id: newMessageId(),
    from_agent_name: sender?.agent_name ?? null,
    from_session_id: sender?.session_id ?? null,
    to_agent_name: to.agent_name,
    to_session_id: to.session_id,
    created_at: new Date().toISOString(),
  });
  const entry = { message_id: stored.message_id, seq: stored.seq, from_agent_name: stored.from_agent_name };
  const delivery = await toRun.deliverAgentMessage(clean.body, entry, input.deliver === "continue");
  if (delivery === "continue") await tenant.markAgentMessageContinued(stored.seq, new Date().toISOString());
  return {
    message_id: stored.message_id,
    seq: stored.seq,
    to_agent_name: stored.to_agent_name,
    to_session_id: stored.to_session_id,
    created_at: stored.created_at,
    delivery,
    run_id: to.last_run_id,
  };
}

export interface FetchInput {
  agent_name: string;
  cwd?: string;
  after_seq?: number;
  limit: number;
}

export async function fetchAgentMessages(ctx: ToolContext, input: FetchInput) {
  const tenant = await tenantStub(ctx.env, ctx.tenant);
  const agent = await tenant.findAgent(
    actingAs(ctx, input.agent_name, "agent_name"),
    "agent_name",
    input.cwd,
  );
  const { messages, unread } = await tenant.fetchAgentMessages(
    agent.agent_name,
    input.after_seq,
    input.limit,
    new Date().toISOString(),
  );
  return {
    agent_name: agent.agent_name,
    session_id: agent.session_id,
    messages,
    next_after_seq: messages.at(-1)?.seq ?? input.after_seq ?? 0,
    unread,
  };
}

/** The tenant's agents; for a run-scoped caller only those whose newest run lies below its run (pages may come short). */
export async function listAgents(ctx: ToolContext, filters: AgentFilters, limit: number, cursor?: string) {
  const page = await (await tenantStub(ctx.env, ctx.tenant)).listAgents(filters, limit, cursor);
  const outside = await outOfScope(
    ctx,
    page.agents.map((a) => a.last_run_id),
  );
  return outside.size ? { ...page, agents: page.agents.filter((a) => !outside.has(a.last_run_id)) } : page;
}
