// The dashboard's single-page app, from Workers assets (dashboard/dist): a file when one matches,
// else index.html for any GET path the app routes on the client; never for the paths the Worker
// serves itself. Every answer carries the app's security headers (no inline script or style).
import { Hono } from "hono";
import type { Env } from "../env.ts";

/** Paths under which a GET is never the app: the API, the protocol endpoints, OAuth, liveness. */
const NOT_THE_APP = ["/dashboard/", "/mcp", "/runner/", "/oauth/", "/.well-known/", "/authorize", "/health"];

export const APP_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export const appAssetRoutes = new Hono<{ Bindings: Env }>();

const withAppHeaders = (response: Response) => {
  const answer = new Response(response.body, response);
  for (const [name, value] of Object.entries(APP_HEADERS)) answer.headers.set(name, value);
  return answer;
};

appAssetRoutes.get("*", async (c, next) => {
  const url = new URL(c.req.url);
  if (NOT_THE_APP.some((prefix) => url.pathname.startsWith(prefix))) return next();
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  if (asset.status !== 404) return withAppHeaders(asset);
  await asset.body?.cancel();
  // A client-side route (/runs/<id>, /lanes, /signin, …): the app itself.
  return withAppHeaders(await c.env.ASSETS.fetch(new URL("/", url)));
});
