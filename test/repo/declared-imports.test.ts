// Every package the code imports is declared by the package it belongs to: the root package.json
// for cli/, shared/, worker/, test/, scripts/, bench/ and the vitest config; runner/package.json for what
// the runner's bundle loads (its own files and every shared file they reach, which esbuild bundles while
// leaving packages external). A package merely hoisted into node_modules by another one would
// vanish when that one drops it.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, SOURCE, isRelative, sourceFiles, specifiersOf } from "./support/source-files.ts";

const BUILTINS = new Set(builtinModules);
const isBuiltin = (module: string) =>
  module.startsWith("node:") || module.startsWith("cloudflare:") || BUILTINS.has(module.split("/")[0]!);
/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (module: string) =>
  module
    .split("/")
    .slice(0, module.startsWith("@") ? 2 : 1)
    .join("/");

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8")) as Manifest;
const names = (m: Manifest, which: ("dependencies" | "devDependencies")[]) =>
  new Set(which.flatMap((key) => Object.keys(m[key] ?? {})));

const rootPackage = manifest("package.json");
const runnerPackage = manifest("runner/package.json");
const ROOT_FILES = [
  ...["cli", "shared", "worker", "test", "scripts", "bench"].flatMap(sourceFiles),
  "vitest.config.ts",
];
const RUNNER_FILES = sourceFiles("runner");

/** `file imports package` for each bare import of `files` that `declared` lacks. */
function undeclared(files: string[], declared: Set<string>, runtimeOnly = false): string[] {
  return files.flatMap((file) =>
    specifiersOf(file)
      .filter((s) => !isRelative(s.module) && !isBuiltin(s.module) && !(runtimeOnly && s.typeOnly))
      .map((s) => packageOf(s.module))
      .filter((name) => !declared.has(name))
      .map((name) => `${file} imports ${name}`),
  );
}

/** Every file the runner's bundle loads: its own, and the shared files they import at run time. */
function runnerBundleFiles(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of specifiersOf(file)) {
      if (!isRelative(s.module) || s.typeOnly || !SOURCE.test(s.module)) continue;
      visit(relative(ROOT, resolve(ROOT, dirname(file), s.module)));
    }
  };
  RUNNER_FILES.forEach(visit);
  return [...seen].sort();
}

describe("declared imports", () => {
  it("finds the imports it checks", () => {
    expect(specifiersOf("worker/runs/output-schema.ts")).toContainEqual({
      module: "@cfworker/json-schema",
      typeOnly: false,
    });
    expect(specifiersOf("runner/agents/codex.ts")).toContainEqual({
      module: "@openai/codex-sdk",
      typeOnly: true,
    });
    // The runner's bundle reaches the shared link frames, and through them zod.
    expect(runnerBundleFiles()).toContain("shared/protocol/frames.ts");
  });

  it("declares every package the root's code imports in package.json", () => {
    // npm installs a workspace's dependencies for the whole repository: the runner's tests may use
    // the runner's SDKs (their types), and the benchmark builds the runner with the runner's esbuild.
    const declared = new Set([
      ...names(rootPackage, ["dependencies", "devDependencies"]),
      ...names(runnerPackage, ["dependencies", "devDependencies"]),
    ]);
    expect(ROOT_FILES.length).toBeGreaterThan(100);
    expect(undeclared(ROOT_FILES, declared)).toEqual([]);
  });

  it("declares every package the runner's bundle loads in runner/package.json dependencies", () => {
    const files = runnerBundleFiles();
    expect(undeclared(files, names(runnerPackage, ["dependencies"]), true)).toEqual([]);
    // Its type-only imports need installing only where it is developed.
    expect(undeclared(RUNNER_FILES, names(runnerPackage, ["dependencies", "devDependencies"]))).toEqual([]);
  });
});
