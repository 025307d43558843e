// Where the build puts the MCP App run view (one self-contained HTML file) among the Worker's
// assets: the build writes it there, the MCP server reads it from there.
export const RUN_VIEW_ASSET = "/mcp-app.html";
