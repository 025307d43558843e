#!/usr/bin/env node
// The `switchyard` command (npx switchyard …): the Node version is checked first, so a too old Node
// gets one readable line rather than a loader error on the TypeScript source it then runs.
import "../runner/node-check.cjs";

await import("./main.ts");
