// The shared layer: code under shared/ runs in the Worker and in the runner alike, so it imports
// neither node:* nor cloudflare:* (nor a Node built-in by its bare name) and nothing outside shared/;
// the runner reaches the Worker's code only through it.
import { dirname, relative, resolve } from "node:path";
import { builtinModules } from "node:module";
import { describe, expect, it } from "vitest";
import { ROOT, isRelative, sourceFiles, specifiersOf } from "./support/source-files.ts";

const BUILTINS = new Set(builtinModules);
const target = (file: string, module: string) => relative(ROOT, resolve(ROOT, dirname(file), module));

/** `file imports module` for each import of `files` that `refused` says may not be there. */
const offending = (files: string[], refused: (module: string, file: string) => boolean) =>
  files.flatMap((file) =>
    specifiersOf(file)
      .filter((s) => refused(s.module, file))
      .map((s) => `${file} imports ${s.module}`),
  );

describe("the shared layer", () => {
  const shared = sourceFiles("shared");

  it("holds the code both sides use", () => {
    expect(shared).toEqual(expect.arrayContaining(["shared/protocol/frames.ts", "shared/runs/run-spec.ts"]));
  });

  it("imports neither node:* nor cloudflare:* nor a Node built-in", () => {
    const platform = (m: string) =>
      m.startsWith("node:") || m.startsWith("cloudflare:") || BUILTINS.has(m.split("/")[0]!);
    expect(offending(shared, platform)).toEqual([]);
  });

  it("imports nothing outside shared/", () => {
    const outside = (m: string, file: string) => isRelative(m) && !target(file, m).startsWith("shared/");
    expect(offending(shared, outside)).toEqual([]);
  });

  it("is the only part of the repository the runner imports", () => {
    const notRunnerOrShared = (m: string, file: string) =>
      isRelative(m) && !/^(runner|shared)\//.test(target(file, m));
    expect(offending(sourceFiles("runner"), notRunnerOrShared)).toEqual([]);
  });
});
