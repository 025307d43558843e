// A one-time dashboard sign-in link for a token's tenant (POST /dashboard/signin-links): what
// `switchyard dashboard` and `npm start` print. `base` is the deployment's URL or its /mcp.
import { SwitchyardError } from "../shared/errors.ts";

export interface SigninLink {
  /** The dashboard's own address. */
  dashboard: string;
  /** Signs the browser that opens it in, once, within ten minutes. */
  url: string;
  expires_at: string;
}

export async function mintSigninLink(base: URL | string, token: string): Promise<SigninLink> {
  const root = new URL(base);
  root.pathname = root.pathname.replace(/\/mcp\/?$/, "").replace(/\/*$/, "/");
  const endpoint = new URL("dashboard/signin-links", root);
  const res = await fetch(endpoint, { method: "POST", headers: { authorization: `Bearer ${token}` } }).catch(
    (error: unknown) => {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new Error(`cannot connect to ${endpoint.href}: ${cause?.code ?? (error as Error).message}`);
    },
  );
  if (res.status === 401) throw new SwitchyardError("unauthorized", "the token was refused");
  if (res.status !== 201) throw new Error(`${endpoint.href} answered HTTP ${res.status}`);
  const { url, expires_at } = (await res.json()) as { url: string; expires_at: string };
  return { dashboard: root.href, url, expires_at };
}
