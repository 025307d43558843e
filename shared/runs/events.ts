// The normalized event model every backend produces and every reader consumes.
// Storage and artifact handling live elsewhere (run-log.ts, sanitize.ts).
import { z } from "zod";

export const EVENT_TYPES = [
  "run_started",
  "status_changed",
  "agent_message",
  "message_added",
  "reasoning",
  "command_started",
  "command_updated",
  "command_finished",
  "file_changed",
  "tool_started",
  "tool_finished",
  "artifact_added",
  "todo_updated",
  "usage",
  /** A lane run's changes (shared/lanes/lane-work.ts RunChanges) and its test gate's result. */
  "lane_changes",
  "tests_finished",
  "input_required",
  /** A relayed approval request was answered or timed out (shared/runs/approvals.ts): the agent goes on. */
  "approval_resolved",
  "auth_required",
  "rejected",
  "run_completed",
  "run_failed",
] as const;

export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

export const EventDataSchema = z.record(z.string(), z.unknown());
export type EventData = z.infer<typeof EventDataSchema>;

/** What a backend produces: the run's object assigns seq, ts and the identifying fields. */
export const NewEventSchema = z.object({
  type: EventTypeSchema,
  data: EventDataSchema,
});
export type NewEvent = z.infer<typeof NewEventSchema>;

/** A stored event as readers see it; `seq` starts at 1 and has no gaps. */
export const RunEventSchema = z.object({
  seq: z.number().int().positive(),
  ts: z.string(),
  run_id: z.string(),
  session_id: z.string(),
  backend: z.string(),
  type: EventTypeSchema,
  data: EventDataSchema,
});
export type RunEvent = z.infer<typeof RunEventSchema>;
