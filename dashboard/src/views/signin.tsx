// Sign-in: a tenant token (as /mcp takes it), or the server's own OAuth consent page; a failed
// one-time link or OAuth round trip comes back as ?error=.
import { useState } from "preact/hooks";
import { signIn, type Session } from "../api.ts";

/** What each `?error=` the Worker redirects with means to a person. */
const LINK_ERRORS: Record<string, string> = {
  link_used: "That sign-in link was used already. Ask for a new one (npx switchyard dashboard).",
  link_invalid: "That sign-in link is unknown or expired. Ask for a new one (npx switchyard dashboard).",
  oauth_failed: "Signing in with OAuth did not complete. Try again.",
};

export function SignIn(props: { error: string | null; onSignedIn(s: Session): void }) {
  const [token, setToken] = useState("");
  const [failure, setFailure] = useState<string | null>(
    props.error ? (LINK_ERRORS[props.error] ?? `Sign-in failed (${props.error}).`) : null,
  );
  const [busy, setBusy] = useState(false);

  return (
    <main class="signin">
      <h1>Switchyard</h1>
      <form
        aria-label="Sign in"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            props.onSignedIn(await signIn(token));
          } catch (err) {
            setFailure(err instanceof Error ? err.message : String(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="token">Tenant token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <p class="or">or</p>
      <a class="button" href="/dashboard/oauth/start">
        Sign in with OAuth
      </a>
      {failure && (
        <p role="alert" class="error">
          {failure}
        </p>
      )}
    </main>
  );
}
