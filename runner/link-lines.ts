// The lines the runner prints about its link, one per change (connected, lost, fatal, bad frame).
// Worded for the developer at the terminal; the structured event is the dialer's.
import type { CloseName, LinkEvent } from "./link/dialer.ts";
import type { RunnerConfig } from "./runner.ts";

const FATAL_HINTS: Record<CloseName, string> = {
  unauthorized: "the Worker refused the runner token; check --token or SWITCHYARD_RUNNER_TOKEN",
  protocol_mismatch: "the Worker speaks another protocol version; upgrade switchyard-runner",
  replaced: "another runner took this name with --replace",
  name_in_use:
    "another runner with this name is connected; pick another --name, or connect --replace to take over",
  wrong_name: "the Worker saw another runner name in the handshake than in the hello",
  stale: "the link went stale",
  bad_frame: "the Worker rejected a frame",
};

export function linkEventLine(
  event: LinkEvent,
  config: Pick<RunnerConfig, "url" | "name" | "maxRuns">,
): string {
  if (event.type === "connected")
    return `connected to ${config.url} as ${config.name} (${config.maxRuns} slots)`;
  if (event.type === "bad_frame") return `ignored a malformed frame from the Worker (${event.detail})`;
  const why = `close ${event.code}${event.reason ? `: ${event.reason}` : ""}`;
  if (event.type === "fatal") return `stopping: ${FATAL_HINTS[event.close]} (${why})`;
  const seconds = (event.retryInMs / 1000).toFixed(1);
  return event.welcomed
    ? `link lost (${why}); reconnecting in ${seconds} s`
    : `cannot connect to ${config.url} (${event.reason || why}); retrying in ${seconds} s`;
}
