// A view's data from one read: loaded on mount and when its inputs change, read again whenever
// the tenant's feed reports a change of the kinds it shows.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "./api.ts";
import { onFeed, type FeedKind } from "./live.ts";

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  reload(): void;
}

/** `read` runs again when `key` changes (its inputs, as a string) or the feed names one of `kinds`. */
export function useLoaded<T>(read: () => Promise<T>, key: string, kinds: FeedKind[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  // Reads can overlap (a burst of feed messages); only the latest one's answer is shown.
  const latest = useRef(0);
  // Keyed on `key` alone: `read` is a new closure on every render.
  const reload = useCallback(() => {
    const mine = ++latest.current;
    read().then(
      (d) => {
        if (mine !== latest.current) return;
        setData(d);
        setError(null);
      },
      (e) => mine === latest.current && setError(describeError(e)),
    );
  }, [key]);
  useEffect(() => {
    reload();
    return onFeed((kind) => kinds.includes(kind) && reload());
  }, [reload]);
  return { data, error, reload };
}
