// The run view inside MCP clients that render MCP Apps: the host shows get_run's or list_runs'
// result here, and every tool call goes back through the host's bridge (the frame reaches no network).
import { App, PostMessageTransport } from "@modelcontextprotocol/ext-apps";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ToolError, setToolTransport } from "./api.ts";
import { pollRun } from "./poll-run.ts";
import { navigateWith } from "./router.tsx";
import { RunPage } from "./views/run.tsx";
import { Runs } from "./views/runs.tsx";

const app = new App({ name: "switchyard-run-view", version: "0.1.0" });

setToolTransport(async (name, args) => {
  const result = await app.callServerTool({ name, arguments: args });
  if (result.isError) {
    const text = result.content.find((c) => c.type === "text")?.text ?? "{}";
    throw new ToolError(JSON.parse(text));
  }
  return result.structuredContent as never;
});

/** What to show: "/" for the runs list, "/runs/<id>" for one run (the dashboard's own paths). */
let show: (path: string) => void = () => {};
let shown: string | null = null;
const setPath = (path: string) => {
  shown = path;
  show(path);
};
navigateWith(setPath);

app.ontoolresult = ({ structuredContent }) => {
  const result = structuredContent as { run_id?: string; runs?: unknown } | undefined;
  if (result?.runs) setPath("/");
  else if (typeof result?.run_id === "string") setPath(`/runs/${encodeURIComponent(result.run_id)}`);
};

function RunView() {
  const [path, setShown] = useState(shown);
  const [fromList, setFromList] = useState(shown === "/");
  useEffect(() => {
    show = (next) => {
      if (next === "/") setFromList(true);
      setShown(next);
    };
  }, []);
  if (path === null) return <p class="loading">Waiting for the tool's result…</p>;
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (!run) return <Runs />;
  return (
    <>
      {fromList && (
        <button type="button" onClick={() => setPath("/")}>
          ← Runs
        </button>
      )}
      <RunPage runId={decodeURIComponent(run[1]!)} follow={pollRun} />
    </>
  );
}

render(
  <main>
    <RunView />
  </main>,
  document.getElementById("app")!,
);
await app.connect(new PostMessageTransport(window.parent, window.parent));
