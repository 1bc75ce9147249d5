/**
 * Parallel coordinates, settings → metric: one vertical axis per setting that varies between
 * the compared runs and a last one for the goal metric; each run is a line across them,
 * coloured by how good its metric is. Hovering a line (or its name) highlights that run.
 */
import * as React from 'react';

import { Comparison, ExperimentRecord } from '../tokens';
import { formatValue } from './format';
import { MISSING_POSITION, axisLabel, buildParallelAxes, metricColor, metricGoodness } from './parallel';
import { useWidth } from './useWidth';

const HEIGHT = 280;
const MARGIN = { top: 34, right: 60, bottom: 30, left: 60 };

function isDarkTheme(): boolean {
  return typeof document !== 'undefined' && document.body?.dataset?.jpThemeLight === 'false';
}

function shorten(text: string, max = 22): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function ParallelCoordinates(props: { comparison: Comparison; label: (r: ExperimentRecord) => string }): JSX.Element {
  const { comparison, label } = props;
  const figure = React.useRef<HTMLElement>(null);
  const width = useWidth(figure, 720);
  const [hovered, setHovered] = React.useState<number | null>(null);
  const runs = comparison.experiments;
  const metricName = comparison.metric?.name ?? null;
  const metricValues = runs.map(record => (metricName ? (record.metrics ?? {})[metricName] : null));
  const axes = buildParallelAxes(comparison.settings, metricName, metricValues);
  const goodness = metricGoodness(metricValues, comparison.metric?.mode ?? 'min');
  const dark = isDarkTheme();

  if (axes.filter(axis => !axis.isMetric).length === 0) {
    return (
      <figure ref={figure} className="jp-kepler-parallel">
        <div className="jp-kepler-muted">No setting varies between these runs: nothing to draw across.</div>
      </figure>
    );
  }
  const innerWidth = Math.max(120, width - MARGIN.left - MARGIN.right);
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = axes.length > 1 ? innerWidth / (axes.length - 1) : 0;
  const ax = (i: number) => MARGIN.left + (axes.length > 1 ? i * step : innerWidth / 2);
  const ay = (position: number) => MARGIN.top + innerHeight - position * innerHeight;
  const line = (run: number) =>
    axes.map((axis, i) => `${i === 0 ? 'M' : 'L'}${ax(i).toFixed(1)},${ay(axis.positions[run]).toFixed(1)}`).join('');
  // Draw the best runs last, so they stay on top where lines cross.
  const order = runs.map((_, i) => i).sort((a, b) => (goodness[a] ?? -1) - (goodness[b] ?? -1));

  return (
    <figure ref={figure} className="jp-kepler-parallel">
      <svg viewBox={`0 0 ${width} ${HEIGHT}`} width={width} height={HEIGHT} role="img"
        aria-label={`Parallel coordinates: ${axes.map(a => a.key).join(', ')}`} className="jp-kepler-chart-svg">
        {axes.map((axis, i) => (
          <line key={axis.key} className="jp-kepler-parallel-axis-line" x1={ax(i)} x2={ax(i)} y1={ay(0)} y2={ay(1)} />
        ))}
        {order.map(run => (
          <path
            key={runs[run].id}
            data-experiment-id={runs[run].id}
            className={`jp-kepler-parallel-line${hovered === run ? ' jp-kepler-parallel-hovered' : ''}${
              hovered !== null && hovered !== run ? ' jp-kepler-parallel-faded' : ''
            }`}
            d={line(run)}
            style={{ stroke: metricColor(goodness[run], dark) }}
            onMouseEnter={() => setHovered(run)}
            onMouseLeave={() => setHovered(null)}
          >
            <title>{label(runs[run])}</title>
          </path>
        ))}
        {axes.map((axis, i) => (
          <g key={axis.key} className={`jp-kepler-parallel-axis${axis.isMetric ? ' jp-kepler-parallel-metric' : ''}`} data-axis={axis.key} data-kind={axis.kind}>
            <text className="jp-kepler-parallel-axis-name" x={ax(i)} y={MARGIN.top - 16} textAnchor="middle">
              <title>{axis.isMetric ? `${axis.key} (goal metric)` : `${axis.key} (${axis.kind})`}</title>
              <tspan className="jp-kepler-parallel-axis-label">{shorten(axisLabel(axis.key))}</tspan>
            </text>
            {axis.ticks.map(tick => (
              <text key={tick.label} className="jp-kepler-chart-label" x={ax(i) + 5} y={ay(tick.position) + 3}>
                {shorten(tick.label, 14)}
              </text>
            ))}
            {axis.hasMissing ? (
              <text className="jp-kepler-chart-label" x={ax(i) + 5} y={ay(MISSING_POSITION) + 3}>
                n/a
              </text>
            ) : null}
          </g>
        ))}
      </svg>
      <div className="jp-kepler-parallel-readout" aria-live="polite">
        {hovered !== null ? (
          <>
            <strong>{label(runs[hovered])}</strong>
            {axes.map(axis => {
              const value = axis.isMetric
                ? metricValues[hovered]
                : comparison.settings.find(row => row.key === axis.key)?.values[hovered];
              return (
                <span key={axis.key} className="jp-kepler-parallel-value">
                  {axisLabel(axis.key)} = {value === null || value === undefined ? 'n/a' : formatValue(value)}
                </span>
              );
            })}
          </>
        ) : (
          <span className="jp-kepler-muted">
            Hover a line to read its run. Colour: {metricName ?? 'metric'} ({comparison.metric?.mode === 'max' ? 'higher' : 'lower'} is better; brighter lines are better runs).
          </span>
        )}
      </div>
      <ul className="jp-kepler-legend">
        {runs.map((record, run) => (
          <li key={record.id} onMouseEnter={() => setHovered(run)} onMouseLeave={() => setHovered(null)}>
            <span className="jp-kepler-swatch" style={{ color: metricColor(goodness[run], dark) }} />
            {label(record)}
          </li>
        ))}
      </ul>
    </figure>
  );
}
