// Who may call a runner's object: its RPC methods (deliver, release, isLive) are the tenant's hub's
// alone, and the one route that reaches the object, GET /runner/connect, hands it the runner's
// WebSocket and calls nothing else. Checked on the Worker's source, where a new caller would appear.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, sourceFiles } from "./support/source-files.ts";

const WORKER = sourceFiles("worker").map((file) => ({ file, text: readFileSync(join(ROOT, file), "utf8") }));
const using = (pattern: RegExp) => WORKER.filter(({ text }) => pattern.test(text)).map(({ file }) => file);

describe("callers of the runner's object", () => {
  it("the binding is reached only through its named stub, and the stub only from the tenant and the connect route", () => {
    expect(using(/\bRUNNERS\b/)).toEqual(["worker/env.ts", "worker/objects/stubs.ts"]);
    expect(using(/\brunnerStub\(/).sort()).toEqual([
      "worker/objects/tenant-object.ts",
      "worker/routes/runner-connect.ts",
    ]);
  });

  it("the connect route calls the object's fetch and nothing else", () => {
    const route = WORKER.find(({ file }) => file === "worker/routes/runner-connect.ts")!.text;
    const stubs = [...route.matchAll(/const (\w+) = await runnerStub\(/g)].map((m) => m[1]!);
    expect(stubs).toEqual(["stub"]);
    const calls = [...route.matchAll(/\bstub\.(\w+)/g)].map((m) => m[1]);
    expect(calls).toEqual(["fetch"]);
  });
});
