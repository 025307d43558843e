// The tenant's agents as the messaging tools see them: each agent name (given at spawn as
// agent_name/nickname, or generated, and kept by the session's later runs) with its newest run
// and unread message count. Reads the run index's tables and the inboxes; writes nothing.
import { z } from "zod";
import { SwitchyardError } from "../../shared/errors.ts";
import { RunStatusSchema, type RunStatus } from "../../shared/runs/status.ts";

export const AgentEntrySchema = z.object({
  agent_name: z.string(),
  session_id: z.string(),
  /** The agent's newest run, and that run's status, backend, role, cwd and last change. */
  last_run_id: z.string(),
  status: RunStatusSchema,
  backend: z.string(),
  role: z.string(),
  cwd: z.string().nullable(),
  updated_at: z.string(),
  unread: z.number().int().min(0),
});
export type AgentEntry = z.infer<typeof AgentEntrySchema>;

/** Equality filters of list_agents, on the agent's newest run. */
export interface AgentFilters {
  backend?: string;
  status?: RunStatus;
  cwd?: string;
}

export interface AgentPage {
  agents: AgentEntry[];
  next_cursor: string | null;
}

const ENTRY = `SELECT a.agent_name, a.session_id, a.latest_run_id AS last_run_id, r.status, r.backend, r.role, r.cwd,
    r.updated_at, (SELECT COUNT(*) FROM agent_messages m WHERE m.to_agent_name = a.agent_name
      AND m.delivered_at IS NULL) AS unread
  FROM agents a JOIN runs r ON r.run_id = a.latest_run_id`;

export class AgentDirectory {
  readonly #sql: SqlStorage;

  /** `sql` is storage opened by openTenantStorage, which makes the tables. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /**
   * The agent `name` (not_found naming `field` when the tenant has none). With `cwd`, the agent's
   * newest run must work there: names are unique per tenant, so cwd only confirms the agent meant.
   */
  find(name: string, field: string, cwd?: string): AgentEntry {
    const entry = this.#sql.exec(`${ENTRY} WHERE a.agent_name = ?`, name).toArray()[0] as
      AgentEntry | undefined;
    if (!entry || (cwd !== undefined && entry.cwd !== cwd)) {
      const where = cwd !== undefined ? ` working in ${cwd}` : "";
      throw new SwitchyardError("not_found", `${field}: no agent "${name}"${where}`, { field });
    }
    return entry;
  }

  /** Agents in name order, after `cursor` (the last name of the previous page). */
  list(filters: AgentFilters, limit: number, cursor: string | undefined): AgentPage {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [column, value] of Object.entries(filters)) {
      if (value === undefined) continue;
      where.push(`r.${column} = ?`);
      params.push(value);
    }
    if (cursor !== undefined) {
      where.push("a.agent_name > ?");
      params.push(cursor);
    }
    const rows = this.#sql
      .exec(
        `${ENTRY} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY a.agent_name LIMIT ?`,
        ...params,
        limit + 1,
      )
      .toArray() as unknown as AgentEntry[];
    const agents = rows.slice(0, limit);
    return { agents, next_cursor: rows.length > limit ? agents.at(-1)!.agent_name : null };
  }
}
