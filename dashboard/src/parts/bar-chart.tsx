// A horizontal bar chart drawn as SVG: one labelled bar per entry, scaled to the largest value.
// No styles inline (the page's CSP forbids them): sizes are attributes, colours come from app.css.
export interface Bar {
  label: string;
  value: number;
}

const ROW = 24;
const LABEL_W = 150;
const BAR_W = 360;
const VALUE_W = 110;

export function BarChart(props: { title: string; bars: Bar[]; format(v: number): string }) {
  const max = Math.max(0, ...props.bars.map((b) => b.value));
  const height = Math.max(1, props.bars.length) * ROW;
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg
        role="img"
        aria-label={props.title}
        viewBox={`0 0 ${LABEL_W + BAR_W + VALUE_W} ${height}`}
        width={LABEL_W + BAR_W + VALUE_W}
        height={height}
      >
        {props.bars.length === 0 && (
          <text x={0} y={ROW * 0.7} class="chart-empty">
            no data
          </text>
        )}
        {props.bars.map((b, i) => {
          const w = max > 0 ? (b.value / max) * BAR_W : 0;
          const y = i * ROW;
          return (
            <g>
              <title>{`${b.label}: ${props.format(b.value)}`}</title>
              <text x={LABEL_W - 8} y={y + ROW * 0.68} text-anchor="end" class="chart-label">
                {b.label.length > 22 ? `${b.label.slice(0, 21)}…` : b.label}
              </text>
              <rect
                x={LABEL_W}
                y={y + 4}
                width={Math.max(w, b.value > 0 ? 1 : 0)}
                height={ROW - 8}
                class="chart-bar"
              />
              <text x={LABEL_W + w + 6} y={y + ROW * 0.68} class="chart-value">
                {props.format(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
