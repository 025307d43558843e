// Profiles shipped with Switchyard, by name. A profile is text the backend gives the agent as
// standing instructions (system prompt or instructions prefix).
import { reviewerRemediator } from "./reviewer-remediator.ts";

export const PROFILES: Readonly<Record<string, string>> = {
  "reviewer-remediator": reviewerRemediator,
};

export const PROFILE_NAMES = Object.keys(PROFILES) as [string, ...string[]];
