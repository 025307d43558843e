#!/usr/bin/env node
// The switchyard-runner command: the bundled build when installed as a package (Node does not
// strip types under node_modules), the TypeScript source when run from the repository. The Node
// version is checked first, so a too old Node gets a readable line rather than a loader error.
import "./node-check.cjs";
import { existsSync } from "node:fs";

const bundled = new URL("./dist/switchyard-runner.js", import.meta.url);
await import(existsSync(bundled) ? bundled.href : new URL("./bin.ts", import.meta.url).href);
