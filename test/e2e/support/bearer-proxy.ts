// A loopback HTTP proxy that adds `Authorization: Bearer <token>` and forwards everything else
// untouched — Host and Origin included — for clients with no header option (the MCP conformance
// suite). It counts the requests it forwarded.
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface BearerProxy {
  url: string;
  forwarded: number;
  close(): Promise<void>;
}

export async function startBearerProxy(targetPort: number, token: string): Promise<BearerProxy> {
  const proxy: BearerProxy = { url: "", forwarded: 0, close: () => close(server) };
  const server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers, authorization: `Bearer ${token}` };
    const upstream = request(
      { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (e) => res.writeHead(502).end(String(e)));
    proxy.forwarded++;
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
