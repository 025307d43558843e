// Bundles the dashboard (dashboard/src, Preact) into dashboard/dist — index.html, app.js, app.css —
// which the Worker serves as static assets. Run by wrangler's [build] command and the tests' setup.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../dashboard/", import.meta.url));
const dist = `${root}dist/`;

export async function buildDashboard(): Promise<string> {
  mkdirSync(dist, { recursive: true });
  await build({
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
    logLevel: "warning",
  });
  copyFileSync(`${root}index.html`, `${dist}index.html`);
  copyFileSync(`${root}app.css`, `${dist}app.css`);
  return dist;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDashboard();
