// Where runs may work: cwd (and a profile file) at or below a root, compared as real paths, so
// neither `..` nor a symlink leads outside; and what a dispatch outside the roots is refused with.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareRun } from "../../runner/prepare-run.ts";
import { checkWithinRoots, reportedRoots, resolveRoots } from "../../runner/roots.ts";
import type { DispatchFrame } from "../../shared/protocol/frames.ts";

let base: string;
let root: string;
let other: string;
let outside: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "switchyard-roots-")));
  root = join(base, "work");
  other = join(base, "other-root");
  outside = join(base, "outside");
  for (const dir of [join(root, "repo", "src"), other, outside, join(base, "work-sibling")])
    mkdirSync(dir, { recursive: true });
  symlinkSync(outside, join(root, "escape"));
  symlinkSync(join(root, "repo"), join(base, "link-to-repo"));
  writeFileSync(join(root, "repo", "PROFILE.md"), "be careful");
  writeFileSync(join(outside, "secret.md"), "not for agents");
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("checkWithinRoots", () => {
  it("accepts a root itself and anything below it", async () => {
    expect(await checkWithinRoots("cwd", root, [root])).toEqual({ ok: true, path: root });
    expect(await checkWithinRoots("cwd", join(root, "repo", "src"), [other, root])).toEqual({
      ok: true,
      path: join(root, "repo", "src"),
    });
  });

  it("refuses a directory outside every root, naming the roots", async () => {
    const check = await checkWithinRoots("cwd", outside, [root, other]);
    expect(check).toEqual({
      ok: false,
      outside: true,
      reason: `cwd ${outside} is outside roots ${root}, ${other}`,
    });
  });

  it("refuses a sibling that merely shares the root's prefix", async () => {
    expect(await checkWithinRoots("cwd", join(base, "work-sibling"), [root])).toMatchObject({
      ok: false,
      outside: true,
    });
  });

  it("refuses a `..` escape", async () => {
    expect(await checkWithinRoots("cwd", join(root, "repo", "..", "..", "outside"), [root])).toMatchObject({
      ok: false,
      outside: true,
    });
  });

  it("refuses a symlink below a root that points outside, and follows one that points inside", async () => {
    const escape = await checkWithinRoots("cwd", join(root, "escape"), [root]);
    expect(escape).toMatchObject({ ok: false, outside: true });
    expect(escape.ok || escape.reason).toContain(`(${outside})`);
    expect(await checkWithinRoots("cwd", join(base, "link-to-repo"), [root])).toEqual({
      ok: true,
      path: join(root, "repo"),
    });
  });

  it("refuses relative and missing paths as bad requests, not as outside", async () => {
    expect(await checkWithinRoots("cwd", "repo", [root])).toMatchObject({ ok: false, outside: false });
    expect(await checkWithinRoots("cwd", join(root, "missing"), [root])).toMatchObject({
      ok: false,
      outside: false,
    });
  });

  it("treats the filesystem root as containing everything", async () => {
    expect(await checkWithinRoots("cwd", root, ["/"])).toEqual({ ok: true, path: root });
  });

  it("reports each root as configured and as its real path, normalised, once each", () => {
    const link = join(base, "link-to-repo");
    expect(reportedRoots([`${link}/`, root], [join(root, "repo"), root])).toEqual([
      link,
      root,
      join(root, "repo"),
    ]);
  });

  it("resolves configured roots to real paths and names a missing one", async () => {
    expect(await resolveRoots([join(base, "link-to-repo")])).toEqual([join(root, "repo")]);
    await expect(resolveRoots([join(base, "nope")])).rejects.toThrow(
      `--root ${join(base, "nope")}: no such directory`,
    );
  });
});

describe("prepareRun", () => {
  const dispatch = (over: Partial<DispatchFrame>): DispatchFrame => ({
    type: "run.dispatch",
    run_id: "run-1",
    backend: "codex",
    message: { role: "user", parts: [{ kind: "text", text: "hi" }] },
    config: {},
    secrets: {},
    ref: {},
    acked_seq: 0,
    ...over,
  });
  const context = () => ({ realRoots: [root], runnable: new Set(["codex"]) });

  it("refuses a cwd outside the roots with cwd_outside_roots", async () => {
    expect(await prepareRun(dispatch({ cwd: join(root, "escape") }), context())).toMatchObject({
      ok: false,
      code: "cwd_outside_roots",
    });
  });

  it("refuses a backend this runner cannot run", async () => {
    expect(await prepareRun(dispatch({ backend: "claude_code", cwd: root }), context())).toEqual({
      ok: false,
      code: "backend_unavailable",
      reason: "backend claude_code is not available on this runner (available: codex)",
    });
  });

  it("reads profile_path relative to cwd, but not from outside the roots", async () => {
    const inside = await prepareRun(
      dispatch({ cwd: join(root, "repo"), profile_path: "PROFILE.md" }),
      context(),
    );
    expect(inside).toMatchObject({ ok: true, spec: { cwd: join(root, "repo"), profileText: "be careful" } });
    const escape = await prepareRun(
      dispatch({ cwd: join(root, "repo"), profile_path: "../escape/secret.md" }),
      context(),
    );
    expect(escape).toMatchObject({ ok: false, code: "bad_request" });
  });

  it("reads an absolute profile_path (the seed's persona file) under a root, not outside them", async () => {
    mkdirSync(join(root, "profiles"), { recursive: true });
    writeFileSync(join(root, "profiles", "reviewer.md"), "review the diff");
    const inside = await prepareRun(
      dispatch({ cwd: join(root, "repo"), profile_path: join(root, "profiles", "reviewer.md") }),
      context(),
    );
    expect(inside).toMatchObject({ ok: true, spec: { profileText: "review the diff" } });
    const escape = await prepareRun(
      dispatch({ cwd: join(root, "repo"), profile_path: join(outside, "secret.md") }),
      context(),
    );
    expect(escape).toMatchObject({ ok: false, code: "bad_request" });
    expect((escape as { reason: string }).reason).toContain("outside roots");
  });

  it("works in the first root when the dispatch names no cwd", async () => {
    expect(await prepareRun(dispatch({}), context())).toMatchObject({
      ok: true,
      spec: { cwd: root, runId: "run-1" },
    });
  });
});
