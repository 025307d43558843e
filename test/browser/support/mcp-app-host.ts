// A minimal MCP Apps host, run in the browser page: the real MCP client (SDK v2) on the Worker's
// /mcp, the ext-apps SDK's AppBridge, and the tool's `ui://` resource in a sandboxed iframe. Every
// tool call the app makes goes through the bridge to that client; the host records each one.
import {
  AppBridge,
  PostMessageTransport,
  getToolUiResourceUri,
} from "@modelcontextprotocol/ext-apps/app-bridge";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

/** A tool call the app made through the bridge, and the event seqs a poll_events answer held. */
export interface BridgedCall {
  name: string;
  arguments: Record<string, unknown>;
  seqs?: number[];
}

interface Frame {
  sandbox: { add(token: string): void };
  title: string;
  srcdoc: string;
  contentWindow: unknown;
}

/** The page's globals this host uses and sets (the test project is typed without the DOM's). */
export interface HostWindow {
  hostToken: string;
  bridged: BridgedCall[];
  showTool(name: string, args: Record<string, unknown>): Promise<string>;
  location: { origin: string };
  document: { createElement(tag: "iframe"): Frame; body: { append(frame: Frame): void } };
}

const window = globalThis as unknown as HostWindow;
const { document, location } = window;

window.bridged = [];

window.showTool = async (name, args) => {
  const client = new Client({ name: "switchyard-test-host", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", location.origin), {
      requestInit: { headers: { Authorization: `Bearer ${window.hostToken}` } },
    }),
  );
  // What a host does: find the tool's app in tools/list, read it, call the tool, hand the result over.
  const { tools } = await client.listTools();
  const uri = getToolUiResourceUri(tools.find((t) => t.name === name)!)!;
  const { contents } = await client.readResource({ uri });
  const html = (contents[0] as { text: string }).text;

  const iframe = document.createElement("iframe");
  iframe.sandbox.add("allow-scripts");
  iframe.title = uri;
  document.body.append(iframe);
  const bridge = new AppBridge(
    client,
    { name: "switchyard-test-host", version: "1.0.0" },
    { serverTools: {}, serverResources: {} },
  );
  const initialized = new Promise<void>((resolve) => (bridge.oninitialized = () => resolve()));
  // Connected before the document loads, so the app's first message finds the bridge listening.
  await bridge.connect(
    new PostMessageTransport(iframe.contentWindow as never, iframe.contentWindow as never),
  );
  // The bridge forwards the app's tools/call to the client; kept as it is, with each call recorded.
  const forward = bridge.oncalltool!;
  bridge.oncalltool = async (params, extra) => {
    const result = await forward(params, extra);
    const events = (result.structuredContent as { events?: { seq: number }[] } | undefined)?.events;
    window.bridged.push({
      name: params.name,
      arguments: params.arguments ?? {},
      ...(params.name === "poll_events" ? { seqs: (events ?? []).map((e) => e.seq) } : {}),
    });
    return result;
  };
  iframe.srcdoc = html;
  await initialized;
  await bridge.sendToolInput({ arguments: args });
  await bridge.sendToolResult((await client.callTool({ name, arguments: args })) as never);
  return uri;
};
