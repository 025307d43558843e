// Every MCP tool Switchyard serves, in the order tools/list shows them.
import type { Tool } from "../tool.ts";
import { cancelRun } from "./cancel-run.ts";
import { continueRun } from "./continue-run.ts";
import { getEventArtifact } from "./get-event-artifact.ts";
import { getRun } from "./get-run.ts";
import { listRuns } from "./list-runs.ts";
import { pollEvents } from "./poll-events.ts";
import { spawnRun } from "./spawn-run.ts";
import { waitRuns } from "./wait-runs.ts";
import { watchRuns } from "./watch-runs.ts";
import { getLaneActivity } from "./get-lane-activity.ts";
import { getMetrics } from "./get-metrics.ts";
import { listAvailableBackends } from "./list-available-backends.ts";
import { manageLane } from "./manage-lane.ts";
import { manageNotify } from "./manage-notify.ts";
import { fetchAgentMessages } from "./fetch-agent-messages.ts";
import { listAgents } from "./list-agents.ts";
import { sendAgentMessage } from "./send-agent-message.ts";

export const TOOLS: readonly Tool[] = [
  spawnRun,
  getRun,
  pollEvents,
  watchRuns,
  waitRuns,
  continueRun,
  cancelRun,
  listRuns,
  getEventArtifact,
  listAvailableBackends,
  manageLane,
  getLaneActivity,
  manageNotify,
  getMetrics,
  sendAgentMessage,
  fetchAgentMessages,
  listAgents,
];
