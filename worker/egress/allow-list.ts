// SWITCHYARD_EDGE_ALLOW_HOSTS: the special-purpose hosts the edge may still reach, as `host:port`
// (that port), `host:*` (every port) or a bare `host` (ports 80 and 443). Hosts are canonicalised
// like request URLs, so `127.1` and `[::ffff:127.0.0.1]` name the same entry as `127.0.0.1`.
import { SwitchyardError } from "../../shared/errors.ts";
import { canonicalAddress } from "./address.ts";
import { parsedOnce } from "../parsed-once.ts";

export interface AllowEntry {
  /** Canonical host (`Address.text`). */
  host: string;
  /** The ports allowed: one, every one, or the web's defaults. */
  ports: number | "*" | "default";
}

export type AllowList = readonly AllowEntry[];

const ENTRY = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\*|\d{1,5}))?$/i;
const DEFAULT_PORTS = new Set([80, 443]);

function parseEntry(entry: string): AllowEntry {
  const m = ENTRY.exec(entry);
  const hostname = m && URL.parse(`http://${m[1]}/`)?.hostname;
  const port = m?.[2];
  if (!hostname || (port !== undefined && port !== "*" && Number(port) > 65535)) {
    throw new SwitchyardError(
      "internal",
      `SWITCHYARD_EDGE_ALLOW_HOSTS: expected comma-separated host, host:port or host:* entries; got "${entry}"`,
    );
  }
  return {
    host: canonicalAddress(hostname).text,
    ports: port === undefined ? "default" : port === "*" ? "*" : Number(port),
  };
}

export const parseAllowHosts = parsedOnce((raw): AllowList =>
  (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(parseEntry),
);

/** Whether `host` (canonical) on `port` is on the list. */
export function isAllowed(list: AllowList, host: string, port: number): boolean {
  return list.some(
    (e) =>
      e.host === host &&
      (e.ports === "*" || e.ports === port || (e.ports === "default" && DEFAULT_PORTS.has(port))),
  );
}
