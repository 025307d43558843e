// The serve-a2a context table on real directories: a context's cwd is fixed once chosen, and past
// the table's size the least recently used idle context is forgotten, never a busy one.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ContextTable } from "../../runner/serve-a2a/contexts.ts";
import { makeTempDir } from "./support/agent-harness.ts";

let root: Awaited<ReturnType<typeof makeTempDir>>;
let a: string;
let b: string;

beforeEach(async () => {
  root = await makeTempDir("serve-contexts");
  [a, b] = [join(root.path, "a"), join(root.path, "b")];
  await Promise.all([mkdir(a), mkdir(b)]);
});

afterEach(() => root.remove());

describe("serve-a2a contexts", () => {
  it("forgets the least recently used idle context past its size, and keeps a busy one", async () => {
    const table = new ContextTable([root.path], 2);
    const claim = async (id: string, cwd: string, task: string) => {
      const claimed = await table.claim(id, cwd, task);
      if (claimed.ok) table.release(claimed.context, task);
      return claimed.ok ? claimed.context.cwd : claimed.reason;
    };
    expect(await claim("c1", a, "t1")).toBe(a);
    expect(await claim("c1", b, "t2")).toMatch(
      /^metadata\.cwd: context c1 works in .*\/a; it cannot move to .*\/b$/,
    );
    // c2 stays busy; c1 is used after it, so c2 is the older of the two.
    const busy = await table.claim("c2", a, "t3");
    expect(busy.ok).toBe(true);
    expect(await claim("c1", a, "t4")).toBe(a);
    expect(await claim("c3", a, "t5")).toBe(a);
    // The table held c1, c2 (busy), c3: c1, the least recently used idle one, was forgotten.
    expect(await claim("c1", b, "t6")).toBe(b);
    expect(await table.claim("c2", a, "t7")).toEqual({
      ok: false,
      reason: "context c2 is busy with task t3",
    });
  });
});
