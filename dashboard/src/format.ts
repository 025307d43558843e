// How numbers and times read on the page: durations, costs, token counts, clock times.
export const clock = (iso: string | null | undefined) => (iso ? iso.slice(11, 19) : "—");

export const dateTime = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").slice(0, 19) : "—");

export function duration(ms: number | null | undefined): string {
  if (ms == null) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
}

export const cost = (usd: number | null | undefined) =>
  usd == null ? "—" : `$${usd.toFixed(usd < 1 ? 4 : 2)}`;

export const tokens = (n: number) => n.toLocaleString("en-US");

export const percent = (rate: number | null) => (rate == null ? "—" : `${Math.round(rate * 100)}%`);

/** Milliseconds between two ISO times, or null while the second is missing. */
export const between = (from: string | null, to: string | null) =>
  from && to ? Date.parse(to) - Date.parse(from) : null;
