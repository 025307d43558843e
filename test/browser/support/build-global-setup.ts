// The browser tests' global setup: a fresh dashboard bundle before any wrangler dev starts, so a
// failure to build shows here rather than as a blank page.
import { buildDashboard } from "../../../scripts/build-dashboard.ts";

export default async function setup(): Promise<void> {
  await buildDashboard();
}
