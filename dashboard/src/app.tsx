// The shell: the session, the navigation, and which view the path asks for.
import { useEffect, useState } from "preact/hooks";
import { loadSession, signOut, whenSignedOut, type Session } from "./api.ts";
import { startFeed, stopFeed } from "./live.ts";
import { Link, navigate, useLocation } from "./router.tsx";
import { SignIn } from "./views/signin.tsx";
import { Runs } from "./views/runs.tsx";
import { RunPage } from "./views/run.tsx";
import { Lanes } from "./views/lanes.tsx";
import { Runners } from "./views/runners.tsx";
import { Metrics } from "./views/metrics.tsx";

const NAV = [
  ["/", "Runs"],
  ["/lanes", "Lanes"],
  ["/runners", "Runners"],
  ["/metrics", "Metrics"],
] as const;

function View({ path }: { path: string }) {
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) return <RunPage runId={decodeURIComponent(run[1]!)} />;
  if (path === "/lanes") return <Lanes />;
  if (path === "/runners") return <Runners />;
  if (path === "/metrics") return <Metrics />;
  return <Runs />;
}

export function App() {
  // undefined while the first /dashboard/session answer is on its way.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const where = useLocation();

  useEffect(() => {
    whenSignedOut(() => setSession(null));
    loadSession().then(setSession, () => setSession(null));
  }, []);
  useEffect(() => {
    if (session) startFeed();
    else stopFeed();
  }, [session]);

  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null || where.pathname === "/signin")
    return (
      <SignIn
        error={where.searchParams.get("error")}
        onSignedIn={(s) => {
          setSession(s);
          if (where.pathname === "/signin") navigate("/");
        }}
      />
    );

  const section = where.pathname.startsWith("/runs/") ? "/" : where.pathname;
  return (
    <>
      <header class="top">
        <span class="brand">Switchyard</span>
        <nav aria-label="Sections">
          {NAV.map(([href, label]) => (
            <Link href={href} aria-current={section === href ? "page" : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span class="tenant">tenant {session.tenant}</span>
        <button
          type="button"
          onClick={async () => {
            await signOut();
            setSession(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <View path={where.pathname} />
      </main>
    </>
  );
}
