// The run view inside MCP clients that render MCP Apps: the host shows get_run's or list_runs'
// result here, and every tool call goes back through the host's bridge (the frame reaches no network).
import { App, PostMessageTransport } from "@modelcontextprotocol/ext-apps";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { CallToolResult } from "@modelcontextprotocol/client";
import { ToolError, describeError, setToolTransport } from "./api.ts";
import { pollRun } from "./poll-run.ts";
import { navigate, navigateWith } from "./router.tsx";
import { RunPage } from "./views/run.tsx";
import { Runs } from "./views/runs.tsx";

const app = new App({ name: "switchyard-run-view", version: "0.1.0" });

/** A tool error's body, from the text content every tool error carries. */
const errorOf = (result: CallToolResult) =>
  new ToolError(JSON.parse(result.content.find((c) => c.type === "text")?.text ?? "{}"));

setToolTransport(async (name, args) => {
  const result = await app.callServerTool({ name, arguments: args });
  if (result.isError) throw errorOf(result);
  return result.structuredContent as never;
});

/** What is shown: a dashboard path ("/" the runs list, "/runs/<id>" one run), or the tool's refusal. */
type Shown = { path: string } | { error: string } | null;

let show: (next: Shown) => void = () => {};
let shown: Shown = null;
const setShown = (next: Shown) => {
  shown = next;
  show(next);
};
navigateWith((path) => setShown({ path }));

app.ontoolresult = (result) => {
  if (result.isError) return setShown({ error: describeError(errorOf(result)) });
  const found = result.structuredContent as { run_id?: string; runs?: unknown } | undefined;
  if (found?.runs) setShown({ path: "/" });
  else if (typeof found?.run_id === "string") setShown({ path: `/runs/${encodeURIComponent(found.run_id)}` });
};

function RunView() {
  const [now, setNow] = useState(shown);
  const [fromList, setFromList] = useState(shown !== null && "path" in shown && shown.path === "/");
  useEffect(() => {
    show = (next) => {
      if (next && "path" in next && next.path === "/") setFromList(true);
      setNow(next);
    };
  }, []);
  if (now === null) return <p class="loading">Waiting for the tool's result…</p>;
  if ("error" in now)
    return (
      <p role="alert" class="error">
        {now.error}
      </p>
    );
  const run = /^\/runs\/([^/]+)$/.exec(now.path);
  if (!run) return <Runs />;
  return (
    <>
      {fromList && (
        <button type="button" onClick={() => navigate("/")}>
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
