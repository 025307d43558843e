// The consent page's HTML: server-rendered, no script, every value that came from a client
// (name, domain, redirect host, scopes) or from a person escaped before it is written.
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for HTML element content and double- or single-quoted attributes. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}" +
  ".warn{background:#fff4ce;padding:.5rem .75rem}.error{color:#a4262c}input{width:100%;padding:.4rem}" +
  "button{margin:.75rem .5rem 0 0;padding:.4rem 1rem}";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** The form: who asks, where the tokens go, and a tenant key or invitation code to sign in with. */
export function consentPage(details: ConsentDescription, handle: string, error?: string): string {
  const name = escapeHtml(details.clientName);
  const publisher = details.clientDomain
    ? `<p>Published by <strong>${escapeHtml(details.clientDomain)}</strong> (its client ID is a document on that domain).</p>`
    : "<p>This app registered itself: its name is not verified.</p>";
  const loopback = details.redirectIsLoopback
    ? '<p class="warn">Access goes to an app on this computer. Continue only if you just started signing in from it.</p>'
    : "";
  const scopes = details.scope.length
    ? `<p>Scopes: ${details.scope.map((s) => `<code>${escapeHtml(s)}</code>`).join(" ")}</p>`
    : "";
  return page(
    `Allow ${details.clientName} to use Switchyard?`,
    `<h1>Allow <em>${name}</em> to use Switchyard?</h1>
${publisher}
<p>Tokens will be sent to <strong>${escapeHtml(details.redirectHost)}</strong>.</p>
${loopback}${scopes}
<p>It will act for the tenant whose key or invitation you enter, with every tool that tenant has.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/authorize">
<input type="hidden" name="handle" value="${escapeHtml(handle)}">
<label for="tenant_key">Tenant key or invitation code</label>
<input id="tenant_key" name="tenant_key" type="password" autocomplete="off">
<button name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** A page saying why the request cannot go on (never a redirect to an unverified client). */
export function refusalPage(message: string): string {
  return page(
    "Switchyard: cannot authorize",
    `<h1>Cannot authorize</h1><p class="error">${escapeHtml(message)}</p><p>Start again from your app.</p>`,
  );
}
