/**
 * A small SVG line chart for per-epoch curves: a few series, a y axis with round ticks, epochs
 * on x, gaps where a value is missing (NaN stored as null). Colours are theme variables.
 */
import * as React from 'react';

import { formatNumber } from './format';

export interface ISeries {
  label: string;
  values: (number | null)[];
  /** Index into SERIES_COLORS. */
  color: number;
  dashed?: boolean;
}

/** Theme colours for series, so charts follow light and dark themes. */
export const SERIES_COLORS = [
  'var(--jp-brand-color1)',
  'var(--jp-warn-color1)',
  'var(--jp-success-color1)',
  'var(--jp-error-color1)',
  'var(--jp-info-color1)',
  'var(--jp-brand-color3)',
  'var(--jp-warn-color3)',
  'var(--jp-success-color3)'
];

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length];
}

const WIDTH = 360;
const HEIGHT = 180;
const MARGIN = { top: 10, right: 12, bottom: 26, left: 48 };

/** About five round tick values covering [low, high]. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (low === high) {
    const pad = Math.abs(low) * 0.1 || 1;
    low -= pad;
    high += pad;
  }
  const rough = (high - low) / (count - 1);
  const magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * magnitude).find(s => s >= rough) ?? rough;
  const ticks: number[] = [];
  for (let tick = Math.floor(low / step) * step; tick <= high + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  if (ticks[ticks.length - 1] < high) {
    ticks.push(ticks[ticks.length - 1] + step);
  }
  return ticks;
}

function finite(values: (number | null)[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** SVG path data with a new segment after each missing value. */
function pathData(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let data = '';
  let drawing = false;
  values.forEach((value, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      drawing = false;
      return;
    }
    data += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
    drawing = true;
  });
  return data;
}

export function LineChart(props: { title: string; series: ISeries[] }): JSX.Element {
  const { title, series } = props;
  const all = series.flatMap(s => finite(s.values));
  const epochs = Math.max(1, ...series.map(s => s.values.length));
  if (all.length === 0) {
    return (
      <figure className="jp-kepler-chart">
        <figcaption>{title}</figcaption>
        <div className="jp-kepler-muted">No values recorded.</div>
      </figure>
    );
  }
  const ticks = niceTicks(Math.min(...all), Math.max(...all));
  const low = ticks[0];
  const high = ticks[ticks.length - 1];
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number) => MARGIN.left + (epochs === 1 ? innerWidth / 2 : (i / (epochs - 1)) * innerWidth);
  const y = (v: number) => MARGIN.top + innerHeight - ((v - low) / (high - low || 1)) * innerHeight;
  const xTicks = Array.from(new Set([0, Math.floor((epochs - 1) / 2), epochs - 1]));

  return (
    <figure className="jp-kepler-chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title} className="jp-kepler-chart-svg">
        {ticks.map(tick => (
          <g key={`y${tick}`}>
            <line className="jp-kepler-chart-grid" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
            <text className="jp-kepler-chart-label" x={MARGIN.left - 6} y={y(tick) + 3} textAnchor="end">
              {formatNumber(tick)}
            </text>
          </g>
        ))}
        {xTicks.map(i => (
          <text key={`x${i}`} className="jp-kepler-chart-label" x={x(i)} y={HEIGHT - 8} textAnchor="middle">
            {i + 1}
          </text>
        ))}
        <text className="jp-kepler-chart-label" x={MARGIN.left - 6} y={HEIGHT - 8} textAnchor="end">
          epoch
        </text>
        {series.map(s => (
          <g key={s.label} style={{ color: seriesColor(s.color) }}>
            <path
              className="jp-kepler-chart-line"
              d={pathData(s.values, x, y)}
              strokeDasharray={s.dashed ? '5 3' : undefined}
            />
            {s.values.map((value, i) =>
              typeof value === 'number' && Number.isFinite(value) ? (
                <circle key={i} className="jp-kepler-chart-point" cx={x(i)} cy={y(value)} r={2}>
                  <title>{`${s.label}, epoch ${i + 1}: ${formatNumber(value)}`}</title>
                </circle>
              ) : null
            )}
          </g>
        ))}
      </svg>
      <ul className="jp-kepler-legend">
        {series.map(s => (
          <li key={s.label}>
            <span
              className={`jp-kepler-swatch${s.dashed ? ' jp-kepler-swatch-dashed' : ''}`}
              style={{ color: seriesColor(s.color) }}
            />
            {s.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/**
 * Group a history's metrics into charts: "loss" with "val_loss", "accuracy" with
 * "val_accuracy", and so on; validation curves dashed.
 */
export function historyGroups(keys: string[]): { base: string; keys: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const base = key.startsWith('val_') ? key.slice(4) : key;
    groups.set(base, [...(groups.get(base) ?? []), key]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => metricOrder(a, b))
    .map(([base, members]) => ({
      base,
      keys: members.sort((a, b) => Number(a.startsWith('val_')) - Number(b.startsWith('val_')))
    }));
}

/** Loss first, then the other metrics alphabetically; a metric's validation twin after it. */
export function metricOrder(a: string, b: string): number {
  const base = (key: string) => (key.startsWith('val_') ? key.slice(4) : key);
  const rank = (key: string) => (base(key) === 'loss' ? 0 : 1);
  return (
    rank(a) - rank(b) ||
    base(a).localeCompare(base(b)) ||
    Number(a.startsWith('val_')) - Number(b.startsWith('val_'))
  );
}
