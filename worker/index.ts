// The wrangler entry: the Worker's fetch handler and the Durable Object classes, nothing else.
import { createWorker } from "./edge.ts";

export { RunObject } from "./objects/run-object.ts";
export { RunnerObject } from "./objects/runner-object.ts";
export { TenantObject } from "./objects/tenant-object.ts";

export default createWorker();
