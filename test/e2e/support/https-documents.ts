// An https server on 127.0.0.1 with a self-signed certificate made for the test (openssl), serving
// fixed JSON documents by path and counting every request; `wrangler dev` trusts the certificate
// through NODE_EXTRA_CA_CERTS.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  certPath: string;
  cert: string;
  key: string;
}

/** A self-signed certificate for 127.0.0.1, valid one day. */
export function makeCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-cert-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "1",
    ].concat(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]),
    { stdio: "ignore" },
  );
  return { certPath, cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
}

export interface DocumentServer {
  url: string;
  /** Requests received, any path. */
  hits: number;
  /** Sets the JSON answered at `path`. */
  serve(path: string, document: unknown): void;
  close(): Promise<void>;
}

export async function startDocumentServer(certificate: TestCertificate): Promise<DocumentServer> {
  const documents = new Map<string, string>();
  const state = { hits: 0 };
  const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    state.hits++;
    const doc = documents.get(req.url ?? "");
    if (doc === undefined) res.writeHead(404).end();
    else res.writeHead(200, { "content-type": "application/json" }).end(doc);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get hits() {
      return state.hits;
    },
    serve: (path, document) => documents.set(path, JSON.stringify(document)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
