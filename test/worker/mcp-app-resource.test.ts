// The run view as an MCP App: get_run and list_runs (and no other tool) name its `ui://` resource
// in `_meta.ui`, and the resources capability lists and reads that one self-contained HTML file,
// the same for a 2025-era client and a 2026-07-28 one.
import { RESOURCE_MIME_TYPE, getToolUiResourceUri } from "@modelcontextprotocol/ext-apps/app-bridge";
import type { Client as ModernClient } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_VIEW_URI } from "../../worker/mcp/app-resource.ts";
import { connectModern } from "./support/mcp-modern.ts";
import { connect, type TestClient } from "./support/mcp.ts";

/** What both SDK generations' clients offer for this test, under the same names. */
type Surface = Pick<ModernClient, "listTools" | "listResources" | "readResource">;

let legacy: TestClient;
let modern: ModernClient;
beforeAll(async () => {
  legacy = await connect();
  modern = await connectModern();
});
afterAll(async () => {
  await legacy.close();
  await modern.close();
});

const eras: [string, () => Surface][] = [
  ["a 2025-era client", () => legacy.client as unknown as Surface],
  ["a 2026-07-28 client", () => modern],
];

describe.each(eras)("the run view app for %s", (_era, client) => {
  it("tools/list names the resource on get_run and list_runs only, in both metadata keys", async () => {
    const { tools } = await client().listTools();
    const withUi = tools.filter(
      (t) => t._meta?.ui !== undefined || t._meta?.["ui/resourceUri"] !== undefined,
    );
    expect(withUi.map((t) => t.name).sort()).toEqual(["get_run", "list_runs"]);
    for (const tool of withUi) {
      expect(tool._meta).toEqual({ ui: { resourceUri: RUN_VIEW_URI }, "ui/resourceUri": RUN_VIEW_URI });
      // The SDK's own host-side reading of a tool's metadata finds it.
      expect(getToolUiResourceUri(tool)).toBe(RUN_VIEW_URI);
    }
  });

  it("resources/list lists the one app resource with the MCP App mime type", async () => {
    const { resources } = await client().listResources();
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatchObject({ uri: RUN_VIEW_URI, mimeType: RESOURCE_MIME_TYPE });
    expect(RESOURCE_MIME_TYPE).toBe("text/html;profile=mcp-app");
  });

  it("resources/read answers the HTML with its script and style inlined, nothing to fetch", async () => {
    const { contents } = await client().readResource({ uri: RUN_VIEW_URI });
    expect(contents).toHaveLength(1);
    const [page] = contents as [{ uri: string; mimeType: string; text: string }];
    expect(page).toMatchObject({ uri: RUN_VIEW_URI, mimeType: RESOURCE_MIME_TYPE });
    expect(page.text.startsWith("<!doctype html>")).toBe(true);
    expect(page.text).toContain('<div id="app"></div>');
    // One inline module script and one inline style; no element that would load a file.
    expect(page.text.match(/<script type="module">/g)).toHaveLength(1);
    expect(page.text.match(/<style>/g)).toHaveLength(1);
    expect(page.text).not.toMatch(/<script[^>]*\ssrc=|<link\s/);
    // The bundle is the app's: it calls the tools the view follows a run with.
    expect(page.text).toContain("poll_events");
    expect(page.text.length).toBeGreaterThan(10_000);
  });

  it("resources/read of any other uri is the SDK's resource-not-found (-32602, invalid params)", async () => {
    for (const uri of [
      "ui://switchyard/other.html",
      "ui://switchyard/run-view.html/../x",
      "file:///etc/passwd",
    ])
      await expect(client().readResource({ uri }), uri).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining(`Resource not found: ${uri}`),
      });
  });
});

describe("both eras read the same app", () => {
  it("the HTML a 2025-era client reads is the one a 2026-07-28 client reads", async () => {
    const a = await legacy.client.readResource({ uri: RUN_VIEW_URI });
    const b = await modern.readResource({ uri: RUN_VIEW_URI });
    expect(a.contents).toEqual(b.contents);
  });

  it("both are told the server has resources", async () => {
    expect(legacy.client.getServerCapabilities()?.resources).toBeDefined();
    expect(modern.getServerCapabilities()?.resources).toBeDefined();
  });
});
