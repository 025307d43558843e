// The dashboard's app from Workers assets: index.html at / and at every client-side route, with
// the app's security headers; never for the paths the Worker serves itself, and never for a host
// the Worker does not serve.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PLACEHOLDER_MARK } from "../fixtures/dashboard-assets-setup.ts";
import { APP_HEADERS } from "../../worker/dashboard/app-assets.ts";
import { dashFetch } from "./support/dashboard.ts";

const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

describe("the dashboard app", () => {
  it("states the contract's headers", () => {
    expect(APP_HEADERS).toEqual({
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
  });

  it.each([
    "/",
    "/runs/run_000000000000000000000",
    "/lanes",
    "/runners",
    "/metrics",
    "/signin?error=link_used",
  ])("GET %s is index.html with the app's headers", async (path) => {
    const res = await dashFetch(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toBe(CSP);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    // The built app or the tests' placeholder, whichever dashboard/dist holds.
    expect(html.includes(PLACEHOLDER_MARK) || html.includes("app.js")).toBe(true);
  });

  it.each([
    ["/dashboard/nothing", 404],
    ["/runner/nothing", 404],
    ["/oauth/nothing", 404],
    ["/mcp", 401],
    ["/health", 200],
  ])("GET %s is the Worker's own answer (%i), not the app", async (path, status) => {
    const res = await dashFetch(path);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("content-security-policy")).toBeNull();
  });

  it("a host the Worker does not serve gets 421, not the app", async () => {
    const res = await SELF.fetch("http://evil.example/", { headers: { host: "evil.example" } });
    expect(res.status).toBe(421);
  });
});
