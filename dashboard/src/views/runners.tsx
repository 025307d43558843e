// Where runs can go: every backend, where it runs and whether it can take a run now, and the
// runners that offer it with their labels and free slots (list_available_backends).
import { callTool } from "../api.ts";
import { useLoaded } from "../use-tool.ts";
import type { BackendInfo } from "../types.ts";

interface Backends {
  backends: BackendInfo[];
  lane_holders: { lane_id: string; runner: string; connected: boolean }[];
}

const labelsText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ") || "—";

export function Runners() {
  const list = useLoaded(() => callTool<Backends>("list_available_backends", {}), "backends", [
    "runners_changed",
  ]);
  return (
    <section aria-labelledby="runners-title">
      <h1 id="runners-title">Runners and backends</h1>
      {list.error && (
        <p role="alert" class="error">
          {list.error}
        </p>
      )}
      {list.data && (
        <>
          <table aria-label="Backends">
            <thead>
              <tr>
                <th scope="col">Backend</th>
                <th scope="col">Runs at</th>
                <th scope="col">Availability</th>
                <th scope="col">Runners (free slots, labels)</th>
              </tr>
            </thead>
            <tbody>
              {list.data.backends.map((b) => (
                <tr>
                  <td>{b.backend}</td>
                  <td>{b.runs_at}</td>
                  <td>
                    <span class={`availability availability-${b.availability_state}`}>
                      {b.availability_state}
                    </span>
                    <span class="muted"> {b.detail}</span>
                  </td>
                  <td>
                    {b.runners.length === 0
                      ? "—"
                      : b.runners.map((r) => (
                          <div>
                            <strong>{r.runner}</strong>{" "}
                            {r.installed ? (r.version ?? "installed") : "not installed"}, {r.free_slots} free,
                            credentials {r.credentials}, labels {labelsText(r.labels)}
                          </div>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.lane_holders.length > 0 && (
            <>
              <h2>Lane worktrees</h2>
              <ul aria-label="Lane holders">
                {list.data.lane_holders.map((h) => (
                  <li>
                    {h.lane_id} on {h.runner} ({h.connected ? "connected" : "not connected"})
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
