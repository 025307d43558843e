// What a sign-in answers, however it was made (token, one-time link, OAuth): the session's cookie,
// and either the session as JSON or a redirect into the app.
import type { Context } from "hono";
import { sessionCookie } from "./session-cookie.ts";
import type { OpenedSession } from "./session-table.ts";

/** The session as GET /dashboard/session shows it. */
export const sessionBody = (tenant: string, session: Pick<OpenedSession, "csrf_token" | "expires_at">) => ({
  tenant,
  csrf_token: session.csrf_token,
  expires_at: session.expires_at,
});

const setCookie = (c: Context, tenant: string, opened: OpenedSession) => {
  c.header("set-cookie", sessionCookie(new URL(c.req.url).origin, { tenant, secret: opened.secret }), {
    append: true,
  });
  c.header("cache-control", "no-store");
};

export function signedInJson(c: Context, tenant: string, opened: OpenedSession) {
  setCookie(c, tenant, opened);
  return c.json(sessionBody(tenant, opened), 200);
}

export function signedInRedirect(c: Context, tenant: string, opened: OpenedSession) {
  setCookie(c, tenant, opened);
  return c.redirect("/", 302);
}

/** Back to the app's sign-in page, saying why (`?error=`). */
export const signinFailed = (c: Context, error: string) => {
  c.header("cache-control", "no-store");
  return c.redirect(`/signin?error=${encodeURIComponent(error)}`, 302);
};
