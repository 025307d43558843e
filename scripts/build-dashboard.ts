// Bundles the dashboard (dashboard/src, Preact) into dashboard/dist — index.html, app.js, app.css —
// which the Worker serves as static assets, and the MCP App run view as one self-contained
// mcp-app.html (script and style inlined: hosts load it into a sandboxed frame that fetches nothing).
// Run by wrangler's [build] command and the tests' setup.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { RUN_VIEW_ASSET } from "../shared/dashboard/mcp-app-asset.ts";

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

/** One entry bundled into one ES module, kept in memory. */
async function bundle(entry: string): Promise<Uint8Array> {
  const { outputFiles } = await build({
    entryPoints: [`${root}src/${entry}`],
    outfile: `${dist}${entry.replace(/\.tsx$/, ".js")}`,
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
  return outputFiles[0]!.contents;
}

/** Text to put inside an inline element: `</script` or `</style` in it would end that element early. */
const inline = (text: string) => text.replace(/<\/(script|style)/gi, "<\\/$1");

const appHtml = (script: string, style: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Switchyard run</title>
    <style>${inline(style)}</style>
  </head>
  <body>
    <div id="app"></div>
    <script type="module">${inline(script)}</script>
  </body>
</html>
`;

export async function buildDashboard(): Promise<string> {
  mkdirSync(dist, { recursive: true });
  const [dashboard, mcpApp] = await Promise.all([bundle("main.tsx"), bundle("mcp-app.tsx")]);
  const css = readFileSync(`${root}app.css`, "utf8");
  place("app.js", dashboard);
  place("index.html", readFileSync(`${root}index.html`));
  place("app.css", css);
  place(RUN_VIEW_ASSET.slice(1), appHtml(new TextDecoder().decode(mcpApp), css));
  return dist;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDashboard();
