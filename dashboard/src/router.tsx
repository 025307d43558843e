// Client-side routes (the Worker answers index.html for each): the path as state, links that
// push history instead of loading a page.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

const subscribers = new Set<() => void>();

let go = (to: string) => {
  history.pushState(null, "", to);
  for (const s of subscribers) s();
};

export const navigate = (to: string): void => go(to);

/** Where links lead in a page that owns no history of its own (the MCP App's frame). */
export const navigateWith = (handler: (to: string) => void) => (go = handler);

addEventListener("popstate", () => {
  for (const s of subscribers) s();
});

/** The current path and query; re-renders the caller when either changes. */
export function useLocation(): URL {
  const [, tick] = useState(0);
  useEffect(() => {
    const s = () => tick((n) => n + 1);
    subscribers.add(s);
    return () => subscribers.delete(s);
  }, []);
  return new URL(location.href);
}

export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  "aria-current"?: "page";
}) {
  return (
    <a
      {...props}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(props.href);
      }}
    />
  );
}
