// Child-process entry of the floor server: plain node:http answering POST /mcp with canned JSON-RPC
// results captured from Switchyard (same bytes, same client work), so the client pattern that
// measures Switchyard measures what this machine allows with no server work at all.
// argv[2]: a JSON file {method: result} with `initialize`, `tools/list` and `tools/call`.
// argv[3] (optional) `wake:<interval ms>`: poll_events calls instead park until the server's own
// next stamped event (every interval), like a parked poll woken by an agent's update.
import { readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { stampText } from "./bench-agent.ts";
import { serveChild } from "./child.ts";
import { wallMs } from "./stats.ts";

const canned = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Record<string, unknown>;
// The result bytes are serialized once; only the request id is spliced in per answer.
const results = new Map(Object.entries(canned).map(([method, result]) => [method, JSON.stringify(result)]));
const wakeMs = process.argv[3]?.startsWith("wake:") ? Number(process.argv[3].slice(5)) : undefined;

interface Rpc {
  id?: unknown;
  method: string;
  params?: { arguments?: { after_seq?: number } };
}

const answer = (res: ServerResponse, id: unknown, result: string) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result}}`);
};

// Wake mode: a log of stamped events and the polls parked on it.
const events: object[] = [];
const parked = new Set<{ after: number; res: ServerResponse; id: unknown }>();
const pollResult = (after: number) => {
  const page = events.slice(after);
  const structured = {
    run_id: "run_floor",
    status: "running",
    terminal: false,
    events: page,
    next_after_seq: after + page.length,
  };
  return JSON.stringify({
    structuredContent: structured,
    content: [{ type: "text", text: JSON.stringify(structured) }],
  });
};
if (wakeMs !== undefined) {
  setInterval(() => {
    const seq = events.length + 1;
    const data = { text: stampText(seq, wallMs(), "") };
    events.push({
      seq,
      ts: new Date().toISOString(),
      run_id: "run_floor",
      session_id: "ses_floor",
      backend: "floor",
      type: "agent_message",
      data,
    });
    for (const poll of parked) answer(poll.res, poll.id, pollResult(poll.after));
    parked.clear();
  }, wakeMs);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    // The SDK client also tries GET (a server-sent stream) and DELETE (session end): not offered.
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const rpc = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Rpc;
    if (wakeMs !== undefined && rpc.method === "tools/call") {
      const after = rpc.params?.arguments?.after_seq ?? 0;
      if (events.length > after) answer(res, rpc.id, pollResult(after));
      else parked.add({ after, res, id: rpc.id });
      return;
    }
    const result = results.get(rpc.method);
    if (rpc.id === undefined || result === undefined) {
      res.writeHead(202).end();
      return;
    }
    answer(res, rpc.id, result);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () =>
  serveChild({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
);
