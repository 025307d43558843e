// list_available_backends: every backend Switchyard knows, where it runs, what it can do and —
// when probed — whether it can run right now, and on which runners.
import { z } from "zod";
import { BACKENDS, type BackendDescriptor } from "../../backends/registry.ts";
import { tenantStub } from "../../objects/stubs.ts";
import type { RunnerInfo } from "../../runners/placement.ts";
import { defineTool, readOnly } from "../tool.ts";

export const AVAILABILITY_STATES = [
  "available",
  "reachable",
  "declared_not_installed",
  "unavailable",
  "unknown",
] as const;
type Availability = (typeof AVAILABILITY_STATES)[number];

const RunnerOfferSchema = z.object({
  runner: z.string(),
  installed: z.boolean(),
  version: z.string().optional(),
  credentials: z.string(),
  free_slots: z.number(),
  labels: z.record(z.string(), z.string()),
});

/** The availability of a runner-run backend from the runners connected now. */
export function runnerAvailability(
  backend: string,
  runners: readonly RunnerInfo[],
): { state: Availability; detail: string } {
  if (runners.length === 0) return { state: "unavailable", detail: "no runner is connected" };
  const offers = runners.map((r) => ({ r, b: r.backends.find((b) => b.backend === backend) }));
  const installed = offers.filter((o) => o.b?.installed);
  if (installed.length === 0)
    return {
      state: "declared_not_installed",
      detail: `none of ${runners.length} connected runners has it installed`,
    };
  const ready = installed.filter((o) => o.r.active < o.r.max_runs && o.b!.credentials !== "missing");
  if (ready.length) return { state: "available", detail: `${ready.length} runner(s) can take a run now` };
  const busy = installed.every((o) => o.r.active >= o.r.max_runs);
  return {
    state: "reachable",
    detail: busy
      ? "installed, but every runner that has it is busy"
      : "installed, but credentials are missing",
  };
}

/**
 * The runners that declared this backend in their hello, installed or not. An edge-only backend has
 * none: runners never run it, whatever they declare.
 */
function offersOf(d: BackendDescriptor, runners: readonly RunnerInfo[]) {
  if (d.placement === "edge") return [];
  return runners.flatMap((r) => {
    const b = r.backends.find((x) => x.backend === d.name);
    if (!b) return [];
    return [
      {
        runner: r.name,
        installed: b.installed,
        ...(b.version ? { version: b.version } : {}),
        credentials: b.credentials,
        free_slots: Math.max(0, r.max_runs - r.active),
        labels: r.labels,
      },
    ];
  });
}

function describe(d: BackendDescriptor, runners: readonly RunnerInfo[] | undefined) {
  const offers = offersOf(d, runners ?? []);
  let availability: { state: Availability; detail: string };
  if (!runners) availability = { state: "unknown", detail: "not probed (probe: false)" };
  else if (d.placement === "edge") availability = { state: "available", detail: "runs at the edge" };
  else if (d.placement === "edge_or_runner")
    availability = {
      state: "available",
      detail: "public endpoints run at the edge; local ones need a runner",
    };
  else availability = runnerAvailability(d.name, runners);
  return {
    backend: d.name,
    aliases: [...d.aliases],
    runs_at: d.placement,
    capabilities: { ...d.capabilities },
    availability_state: availability.state,
    detail: availability.detail,
    runners: offers,
  };
}

export const listAvailableBackends = defineTool({
  name: "list_available_backends",
  description:
    "Every backend, where it runs (edge, runner, or edge for public endpoints and runner for local ones), its " +
    "capabilities and, when probed, availability_state (available, reachable, declared_not_installed, unavailable, " +
    "unknown) with the runners that declared it (installed or not) and their free slots; edge-only backends list no runners. " +
    "lane_holders names the runner holding each lane's worktree (its runs go only there) and whether it is connected.",
  annotations: readOnly("List available backends"),
  input: z.strictObject({ probe: z.boolean().default(true) }),
  output: z.object({
    backends: z.array(
      z.object({
        backend: z.string(),
        aliases: z.array(z.string()),
        runs_at: z.enum(["edge", "runner", "edge_or_runner"]),
        capabilities: z.record(z.string(), z.boolean()),
        availability_state: z.enum(AVAILABILITY_STATES),
        detail: z.string(),
        runners: z.array(RunnerOfferSchema),
      }),
    ),
    lane_holders: z.array(z.object({ lane_id: z.string(), runner: z.string(), connected: z.boolean() })),
  }),
  async handler({ probe }, ctx) {
    const tenant = await tenantStub(ctx.env, ctx.tenant);
    const [runners, holders] = await Promise.all([
      probe ? tenant.runners() : undefined,
      tenant.laneHolders(),
    ]);
    return { backends: BACKENDS.map((d) => describe(d, runners)), lane_holders: holders };
  },
});
