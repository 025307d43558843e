// Where the tokens and money went: get_metrics by day, backend and model as bar charts, with each
// group's runs, success rate and p50/p95 duration.
import { callTool } from "../api.ts";
import { cost, duration, percent, tokens } from "../format.ts";
import { BarChart } from "../parts/bar-chart.tsx";
import { useLoaded } from "../use-tool.ts";
import type { MetricsGroup } from "../types.ts";

const GROUPINGS = [
  ["day", "By day"],
  ["backend", "By backend"],
  ["model", "By model"],
] as const;

type Grouping = (typeof GROUPINGS)[number][0];

const readAll = async () =>
  Object.fromEntries(
    await Promise.all(
      GROUPINGS.map(async ([g]) => {
        const { groups } = await callTool<{ groups: MetricsGroup[] }>("get_metrics", {
          group_by: g,
          limit: 60,
        });
        return [g, groups] as const;
      }),
    ),
  ) as Record<Grouping, MetricsGroup[]>;

const keyOf = (g: MetricsGroup) => g.key ?? "(none)";

function Grouped({ title, groups }: { title: string; groups: MetricsGroup[] }) {
  const slug = title.toLowerCase().replace(/\s+/g, "-");
  return (
    <section aria-labelledby={slug}>
      <h2 id={slug}>{title}</h2>
      <div class="charts">
        <BarChart
          title={`Tokens ${title.toLowerCase()}`}
          bars={groups.map((g) => ({ label: keyOf(g), value: g.total_tokens }))}
          format={tokens}
        />
        <BarChart
          title={`Cost ${title.toLowerCase()}`}
          bars={groups.map((g) => ({ label: keyOf(g), value: g.cost_usd }))}
          format={cost}
        />
      </div>
      <table aria-label={`Runs ${title.toLowerCase()}`}>
        <thead>
          <tr>
            <th scope="col">{title.replace("By ", "")}</th>
            <th scope="col">Runs</th>
            <th scope="col">Live</th>
            <th scope="col">Success</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
            <th scope="col">Tokens in / out</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr>
              <td>{keyOf(g)}</td>
              <td>{g.runs}</td>
              <td>{g.outcomes.live}</td>
              <td>{percent(g.success_rate)}</td>
              <td>{duration(g.duration_ms.p50)}</td>
              <td>{duration(g.duration_ms.p95)}</td>
              <td>
                {tokens(g.input_tokens)} / {tokens(g.output_tokens)}
              </td>
              <td>
                {cost(g.cost_usd)}
                {g.unpriced_tokens > 0 && <span class="muted"> (+{tokens(g.unpriced_tokens)} unpriced)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Metrics() {
  const all = useLoaded(readAll, "metrics", ["runs_changed"]);
  return (
    <section aria-labelledby="metrics-title">
      <h1 id="metrics-title">Metrics</h1>
      {all.error && (
        <p role="alert" class="error">
          {all.error}
        </p>
      )}
      {all.data && GROUPINGS.map(([g, title]) => <Grouped title={title} groups={all.data![g]} />)}
    </section>
  );
}
