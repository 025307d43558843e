// The run view for MCP clients that render MCP Apps: one HTML resource (dashboard/mcp-app.tsx,
// built into dashboard/dist with its script inlined), which get_run and list_runs name in their
// `_meta.ui`, listed and read through the resources capability.
import type { ListResourcesResult, ReadResourceResult, Resource } from "@modelcontextprotocol/server";
import { ResourceNotFoundError } from "@modelcontextprotocol/server";
import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY } from "@modelcontextprotocol/ext-apps/server";
import { RUN_VIEW_ASSET } from "../../shared/dashboard/mcp-app-asset.ts";
import type { Env } from "../env.ts";

export const RUN_VIEW_URI = "ui://switchyard/run-view.html";

const RUN_VIEW: Resource = {
  uri: RUN_VIEW_URI,
  name: "run-view",
  title: "Switchyard run view",
  description:
    "A run's status, result and live events (get_run), or the runs list opening into a run (list_runs).",
  mimeType: RESOURCE_MIME_TYPE,
};

/**
 * The `_meta` of a tool whose result the run view shows: `ui.resourceUri`, and the older flat key
 * as well, as the ext-apps SDK's registerAppTool writes both for hosts that read only that one.
 */
export const appToolMeta = (uri: string) => ({ ui: { resourceUri: uri }, [RESOURCE_URI_META_KEY]: uri });

export const listAppResources = (): ListResourcesResult => ({ resources: [RUN_VIEW] });

export async function readAppResource(uri: string, env: Env): Promise<ReadResourceResult> {
  if (uri !== RUN_VIEW_URI) throw new ResourceNotFoundError(uri);
  const asset = await env.ASSETS.fetch(new URL(RUN_VIEW_ASSET, "https://assets.invalid"));
  if (!asset.ok) throw new Error(`the run view is not built (assets answered ${asset.status})`);
  return { contents: [{ uri, mimeType: RESOURCE_MIME_TYPE, text: await asset.text() }] };
}
