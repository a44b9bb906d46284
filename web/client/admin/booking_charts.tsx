/// <reference lib="dom" />
// Small hand-written SVG charts (bars and a line) for the booking statistics: a chart library
// would cost more than the whole console. Sizes are in viewBox units, so a chart scales to its box;
// colours come from CSS classes (the CSP forbids inline styles).
import { niceMax } from "./chart_scale.ts";

export interface ChartPoint {
  label: string;
  value: number;
}

interface ChartProps {
  /** Names the chart for screen readers and tests (role="img"). */
  title: string;
  points: readonly ChartPoint[];
  /** How a value reads in a bar's tooltip and on the axis. */
  format?: (value: number) => string;
}

const width = 640;
const height = 220;
// Room on the left for money on the axis ("12 000 ₽").
const margin = { top: 12, right: 12, bottom: 40, left: 68 };
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;

/** At most `count` labels along the x axis, evenly spaced, so long series stay readable. */
function labelEvery(count: number, room = 12): number {
  return Math.max(1, Math.ceil(count / room));
}

function Axes(props: { top: number; format: (value: number) => string }) {
  const ticks = [0, 0.5, 1];
  return (
    <g class="chart-axis" aria-hidden="true">
      {ticks.map((share) => {
        const y = margin.top + plotHeight * (1 - share);
        return (
          <g key={share}>
            <line x1={margin.left} x2={width - margin.right} y1={y} y2={y} class="chart-grid" />
            <text x={margin.left - 6} y={y + 4} text-anchor="end">{props.format(props.top * share)}</text>
          </g>
        );
      })}
    </g>
  );
}

function XLabel(props: { x: number; text: string }) {
  return (
    <text class="chart-label" x={props.x} y={height - margin.bottom + 16} text-anchor="middle" aria-hidden="true">
      {props.text}
    </text>
  );
}

function Empty(props: { title: string }) {
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <p class="muted">No data for this period.</p>
    </figure>
  );
}

export function BarChart(props: ChartProps) {
  const format = props.format ?? String;
  const { points } = props;
  if (points.length === 0) return <Empty title={props.title} />;
  const top = niceMax(Math.max(...points.map((p) => p.value)));
  const slot = plotWidth / points.length;
  // A few bars stay bars, not slabs.
  const barWidth = Math.max(1, Math.min(slot * 0.7, 48));
  const every = labelEvery(points.length);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title} class="chart-svg">
        <Axes top={top} format={format} />
        {points.map((point, i) => {
          const barHeight = (point.value / top) * plotHeight;
          const x = margin.left + i * slot + (slot - barWidth) / 2;
          return (
            <g key={point.label}>
              <rect
                class="chart-bar"
                x={x}
                y={margin.top + plotHeight - barHeight}
                width={barWidth}
                height={barHeight}
                data-label={point.label}
                data-value={point.value}
              >
                <title>{`${point.label}: ${format(point.value)}`}</title>
              </rect>
              {i % every === 0 && <XLabel x={x + barWidth / 2} text={point.label} />}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function LineChart(props: ChartProps) {
  const format = props.format ?? String;
  const { points } = props;
  if (points.length === 0) return <Empty title={props.title} />;
  const top = niceMax(Math.max(...points.map((p) => p.value)));
  const step = points.length > 1 ? plotWidth / (points.length - 1) : 0;
  const at = (i: number, value: number) => ({
    x: margin.left + (points.length > 1 ? i * step : plotWidth / 2),
    y: margin.top + plotHeight * (1 - value / top),
  });
  const path = points.map((p, i) => {
    const { x, y } = at(i, p.value);
    return `${i === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
  }).join(" ");
  const every = labelEvery(points.length);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title} class="chart-svg">
        <Axes top={top} format={format} />
        <path class="chart-line" d={path} />
        {points.map((point, i) => {
          const { x, y } = at(i, point.value);
          return (
            <g key={point.label}>
              <circle class="chart-dot" cx={x} cy={y} r={3} data-label={point.label} data-value={point.value}>
                <title>{`${point.label}: ${format(point.value)}`}</title>
              </circle>
              {i % every === 0 && <XLabel x={x} text={point.label} />}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** Horizontal bars with their values written out: for a handful of categories (stars, services). */
export function ShareBars(props: ChartProps) {
  const format = props.format ?? String;
  const total = props.points.reduce((sum, p) => sum + p.value, 0);
  const top = Math.max(1, ...props.points.map((p) => p.value));
  const rowHeight = 24;
  const labelWidth = 140;
  const barRoom = width - labelWidth - 120;
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${Math.max(1, props.points.length) * rowHeight + 8}`}
        role="img"
        aria-label={props.title}
        class="chart-svg chart-share"
      >
        {props.points.map((point, i) => {
          const y = 4 + i * rowHeight;
          const share = total > 0 ? Math.round((point.value / total) * 100) : 0;
          return (
            <g key={point.label}>
              <text class="chart-label" x={labelWidth - 8} y={y + 15} text-anchor="end">{point.label}</text>
              <rect
                class="chart-bar"
                x={labelWidth}
                y={y + 3}
                width={(point.value / top) * barRoom}
                height={rowHeight - 8}
                data-label={point.label}
                data-value={point.value}
              >
                <title>{`${point.label}: ${format(point.value)} (${share}%)`}</title>
              </rect>
              <text class="chart-label" x={labelWidth + (point.value / top) * barRoom + 6} y={y + 15}>
                {`${format(point.value)} · ${share}%`}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
