// The runs list: newest first, filtered by status, backend, lane and agent, paged, and read again
// whenever the tenant's feed says a run was created or changed.
import { useState } from "preact/hooks";
import { RUN_STATUSES } from "../../../shared/runs/run-statuses.ts";
import { callTool } from "../api.ts";
import { dateTime } from "../format.ts";
import { Link } from "../router.tsx";
import { useLoaded } from "../use-tool.ts";
import type { RunRow } from "../types.ts";
import { Status } from "../parts/status.tsx";

const PAGE = 50;

interface RunsPage {
  runs: RunRow[];
  next_cursor: string | null;
}

const TEXT_FILTERS = [
  ["backend", "Backend"],
  ["lane_id", "Lane"],
  ["agent_name", "Agent"],
] as const;

type Filters = Partial<Record<"status" | (typeof TEXT_FILTERS)[number][0], string>>;

export function Runs() {
  const [filters, setFilters] = useState<Filters>({});
  // The first page follows the feed; older pages, once loaded, stay as they were read.
  const [older, setOlder] = useState<RunsPage | null>(null);
  const active = Object.fromEntries(Object.entries(filters).filter(([, v]) => v));
  const first = useLoaded(
    () => callTool<RunsPage>("list_runs", { ...active, limit: PAGE }),
    JSON.stringify(active),
    ["runs_changed"],
  );
  const set = (key: keyof Filters, value: string) => {
    setFilters({ ...filters, [key]: value });
    setOlder(null);
  };
  const cursor = older ? older.next_cursor : first.data?.next_cursor;
  const loadMore = async () => {
    const page = await callTool<RunsPage>("list_runs", { ...active, limit: PAGE, cursor });
    setOlder({ runs: [...(older?.runs ?? []), ...page.runs], next_cursor: page.next_cursor });
  };
  const seen = new Set(first.data?.runs.map((r) => r.run_id));
  const rows = first.data && [...first.data.runs, ...(older?.runs ?? []).filter((r) => !seen.has(r.run_id))];

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <form class="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={filters.status ?? ""} onChange={(e) => set("status", e.currentTarget.value)}>
            <option value="">any</option>
            {RUN_STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        {TEXT_FILTERS.map(([key, label]) => (
          <label>
            {label}
            <input value={filters[key] ?? ""} onChange={(e) => set(key, e.currentTarget.value.trim())} />
          </label>
        ))}
      </form>
      {first.error && (
        <p role="alert" class="error">
          {first.error}
        </p>
      )}
      {rows && (
        <>
          <table aria-label="Runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Backend</th>
                <th scope="col">Agent</th>
                <th scope="col">Lane</th>
                <th scope="col">Created</th>
                <th scope="col">Doing now</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.run_id} data-run-id={r.run_id}>
                  <td>
                    <Link href={`/runs/${r.run_id}`}>{r.run_id}</Link>
                    {r.role !== "worker" && <span class="role"> {r.role}</span>}
                  </td>
                  <td>
                    <Status status={r.status} />
                  </td>
                  <td>{r.backend}</td>
                  <td>{r.agent_name}</td>
                  <td>{r.lane_id ?? ""}</td>
                  <td>{dateTime(r.created_at)}</td>
                  <td class="summary">{r.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p>No runs{Object.keys(active).length ? " match these filters" : " yet"}.</p>}
          {cursor && (
            <button type="button" onClick={loadMore}>
              Load more
            </button>
          )}
        </>
      )}
    </section>
  );
}
