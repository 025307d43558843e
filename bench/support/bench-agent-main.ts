// Child-process entry of the benchmark's A2A agent (bench-agent.ts): reports its URL when ready.
import { startBenchAgent } from "./bench-agent.ts";
import { serveChild } from "./child.ts";

const agent = await startBenchAgent();
serveChild({ url: agent.url });
