// Each agent's inbox in the tenant's SQLite: messages other agents (or the caller) sent it, kept
// redacted, unread until fetched or taken as a continued run's input. Bounded: unread messages per
// agent and stored bytes per tenant; the oldest read messages make room first. Who may send or
// read is decided before here.
import { z } from "zod";
import { SwitchyardError } from "../../shared/errors.ts";
import { InputMessageSchema, type InputMessage } from "../../shared/runs/messages.ts";
import { toBytes } from "../../shared/runs/utf8.ts";

export const DeliverySchema = z.enum(["inbox", "continue"]);
export type Delivery = z.infer<typeof DeliverySchema>;

/** One stored message as fetch_agent_messages answers it. */
export const AgentMessageSchema = z.object({
  message_id: z.string(),
  /** Tenant-wide, increasing; an agent's messages are in seq order, with gaps. */
  seq: z.number().int().positive(),
  from_agent_name: z.string().nullable(),
  from_session_id: z.string().nullable(),
  to_agent_name: z.string(),
  to_session_id: z.string(),
  created_at: z.string(),
  body: InputMessageSchema,
  metadata: z.record(z.string(), z.unknown()),
  /** `continue`: the agent's newest run took it as input (it is read then); `inbox`: it waits to be fetched. */
  delivery: DeliverySchema,
  delivered_at: z.string().nullable(),
});
export type AgentMessage = z.infer<typeof AgentMessageSchema>;

export type NewAgentMessage = Omit<AgentMessage, "seq" | "delivery" | "delivered_at">;

export interface InboxLimits {
  /** Most unread messages one agent may hold; one more is refused. */
  unreadPerAgent: number;
  /** Most bytes (body + metadata JSON) the tenant's inboxes hold; read messages are dropped first. */
  tenantBytes: number;
}

export const INBOX_LIMITS: InboxLimits = { unreadPerAgent: 100, tenantBytes: 16 * 1024 * 1024 };

/** Most bytes of messages one fetch answers with (at least one message, whatever its size). */
export const FETCH_BYTES = 1024 * 1024;

interface Row {
  seq: number;
  bytes: number;
  message_id: string;
  to_agent_name: string;
  to_session_id: string;
  from_agent_name: string | null;
  from_session_id: string | null;
  created_at: string;
  body: string;
  metadata: string;
  delivery: string;
  delivered_at: string | null;
}

const COLUMNS =
  "seq, bytes, message_id, to_agent_name, to_session_id, from_agent_name, from_session_id, created_at, body, " +
  "metadata, delivery, delivered_at";

const fromRow = ({ bytes: _counted, ...row }: Row): AgentMessage => ({
  ...row,
  body: JSON.parse(row.body) as InputMessage,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  delivery: row.delivery as Delivery,
});

export class AgentInbox {
  readonly #sql: SqlStorage;
  readonly #limits: InboxLimits;

  /** `sql` is storage opened by openTenantStorage, which makes the table. */
  constructor(sql: SqlStorage, limits: InboxLimits = INBOX_LIMITS) {
    this.#sql = sql;
    this.#limits = limits;
  }

  #rows<T>(query: string, ...params: unknown[]): T[] {
    return this.#sql.exec(query, ...params).toArray() as T[];
  }

  /** Refuses a message the agent has no room for (budget_exceeded naming to_agent_name). */
  assertRoom(agentName: string): void {
    const unread = this.unread(agentName);
    if (unread >= this.#limits.unreadPerAgent) {
      throw new SwitchyardError(
        "budget_exceeded",
        `to_agent_name: agent "${agentName}" has ${unread} unread messages, the most it may hold; ` +
          "it must fetch some first",
        { field: "to_agent_name" },
      );
    }
  }

  unread(agentName: string): number {
    return this.#rows<{ n: number }>(
      "SELECT COUNT(*) AS n FROM agent_messages WHERE to_agent_name = ? AND delivered_at IS NULL",
      agentName,
    )[0]!.n;
  }

  /** Stores a message, unread; the oldest read messages of the tenant go when bytes run short. */
  add(message: NewAgentMessage): AgentMessage {
    this.assertRoom(message.to_agent_name);
    const body = JSON.stringify(message.body);
    const metadata = JSON.stringify(message.metadata);
    const bytes = toBytes(body).length + toBytes(metadata).length;
    this.#makeRoom(bytes);
    const [row] = this.#rows<Row>(
      `INSERT INTO agent_messages (message_id, to_agent_name, to_session_id, from_agent_name, from_session_id,
         created_at, body, metadata, bytes, delivery, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'inbox', NULL)
       RETURNING ${COLUMNS}`,
      message.message_id,
      message.to_agent_name,
      message.to_session_id,
      message.from_agent_name,
      message.from_session_id,
      message.created_at,
      body,
      metadata,
      bytes,
    );
    return fromRow(row!);
  }

  /** Drops the oldest read messages until `bytes` more fit; refuses when unread ones fill the space. */
  #makeRoom(bytes: number): void {
    const stored = () =>
      this.#rows<{ n: number }>("SELECT COALESCE(SUM(bytes), 0) AS n FROM agent_messages")[0]!.n;
    for (let held = stored(); held + bytes > this.#limits.tenantBytes; held = stored()) {
      const dropped = this.#sql.exec(
        `DELETE FROM agent_messages WHERE seq IN (SELECT seq FROM agent_messages WHERE delivered_at IS NOT NULL
           ORDER BY seq LIMIT 16)`,
      ).rowsWritten;
      if (dropped === 0) {
        throw new SwitchyardError(
          "budget_exceeded",
          `message: the tenant's inboxes hold ${held} bytes of unread messages; ${bytes} more would pass ` +
            `the ${this.#limits.tenantBytes}-byte bound`,
          { field: "message" },
        );
      }
    }
  }

  /** Marks a message read by a continued run, which took it as its input. */
  markContinued(seq: number, at: string): void {
    this.#sql.exec(
      "UPDATE agent_messages SET delivery = 'continue', delivered_at = ? WHERE seq = ?",
      at,
      seq,
    );
  }

  /**
   * The agent's messages, oldest first, up to `limit` and FETCH_BYTES: the unread ones, or (with
   * `afterSeq`) every one after that seq. Those not read yet are marked read at `at`.
   */
  fetch(agentName: string, afterSeq: number | undefined, limit: number, at: string): AgentMessage[] {
    const found =
      afterSeq === undefined
        ? this.#rows<Row>(
            `SELECT ${COLUMNS} FROM agent_messages WHERE to_agent_name = ? AND delivered_at IS NULL
             ORDER BY seq LIMIT ?`,
            agentName,
            limit,
          )
        : this.#rows<Row>(
            `SELECT ${COLUMNS} FROM agent_messages WHERE to_agent_name = ? AND seq > ? ORDER BY seq LIMIT ?`,
            agentName,
            afterSeq,
            limit,
          );
    let bytes = 0;
    const rows = found.filter((r, i) => (bytes += r.bytes) <= FETCH_BYTES || i === 0);
    const last = rows.at(-1);
    if (last) {
      // Every unread message of the agent up to `last` was returned (by either query), so a range says which.
      this.#sql.exec(
        `UPDATE agent_messages SET delivered_at = ? WHERE to_agent_name = ? AND delivered_at IS NULL
           AND seq > ? AND seq <= ?`,
        at,
        agentName,
        afterSeq ?? 0,
        last.seq,
      );
    }
    return rows.map((row) => fromRow({ ...row, delivered_at: row.delivered_at ?? at }));
  }
}
