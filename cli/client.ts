// The one MCP client every command talks through: the SDK's Streamable HTTP transport with the
// bearer token, and tool calls that answer structuredContent or throw the tool's {code, message, field}.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SwitchyardError, type ErrorBody } from "../shared/errors.ts";

export interface Switchyard {
  /** Calls a tool; its error result becomes a SwitchyardError with the tool's code and field. */
  call<T = Record<string, any>>(name: string, args: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function connectSwitchyard(url: URL, token: string): Promise<Switchyard> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "switchyard-cli", version: "0.1.0" });
  await client.connect(transport).catch((error: unknown) => {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(`cannot connect to ${url.href}: ${why}`, { cause: error });
  });
  return {
    async call<T>(name: string, args: Record<string, unknown>) {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) throw toolError(result.content);
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}

/** A tool's error result (mcp/tool-result.ts puts the body as JSON in its text). */
function toolError(content: unknown): SwitchyardError {
  const text = (content as { type: string; text?: string }[]).find((c) => c.type === "text")?.text ?? "";
  try {
    const body = JSON.parse(text) as ErrorBody;
    return new SwitchyardError(body.code, body.message, { field: body.field });
  } catch {
    return new SwitchyardError("internal", text || "the tool failed without a message");
  }
}
