// The wrangler entry: the Worker's fetch handler and the Durable Object classes, nothing else.
import { createApp } from "./app.ts";

export { RunObject } from "./objects/run-object.ts";
export { TenantObject } from "./objects/tenant-object.ts";

export default createApp();
