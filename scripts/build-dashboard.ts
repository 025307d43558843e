// Bundles the dashboard (dashboard/src, Preact) into dashboard/dist — index.html, app.js, app.css —
// which the Worker serves as static assets. Run by wrangler's [build] command and the tests' setup.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../dashboard/", import.meta.url));
const dist = `${root}dist/`;

/**
 * Puts `bytes` at dist/`name` by renaming a finished file into place: several wrangler dev
 * processes (the tests start many) build at once while others serve the directory, and none may
 * ever read half a file.
 */
function place(name: string, bytes: Uint8Array | string): void {
  const partial = `${dist}.${name}.${process.pid}.partial`;
  writeFileSync(partial, bytes);
  renameSync(partial, `${dist}${name}`);
}

export async function buildDashboard(): Promise<string> {
  mkdirSync(dist, { recursive: true });
  const { outputFiles } = await build({
    entryPoints: [`${root}src/main.tsx`],
    outfile: `${dist}app.js`,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: false,
    write: false,
    logLevel: "warning",
  });
  // One entry, no source map: the bundle is the only output.
  place("app.js", outputFiles[0]!.contents);
  place("index.html", readFileSync(`${root}index.html`));
  place("app.css", readFileSync(`${root}app.css`));
  return dist;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDashboard();
