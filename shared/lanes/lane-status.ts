// A lane's statuses in the order work moves through them; the Worker checks the transitions
// (worker/lanes/lane.ts), the dashboard draws one column per status. Free of zod, for the dashboard.
export const LANE_STATUSES = ["planned", "active", "blocked", "review", "merged", "closed"] as const;
export type LaneStatus = (typeof LANE_STATUSES)[number];
