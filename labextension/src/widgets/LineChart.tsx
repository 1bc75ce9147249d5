/**
 * An SVG line chart for per-epoch curves: hover names every run's value at the epoch under the
 * pointer, a log-scale toggle keeps a run that starts at 92 from flattening the others, and a
 * drag across epochs zooms (double-click or "reset zoom" to go back). Gaps where a value is
 * missing (NaN stored as null). It takes its container's width, colours follow the theme.
 */
import * as React from 'react';

import { IAxis, IWindow, ScaleKind, defaultScale, epochTicks, nearestIndex, scaleX, scaleY, yAxis, zoomWindow } from './chartMath';
import { formatNumber } from './format';
import { ISeriesStyle, ensurePalette, markerPath, seriesStyle } from './palette';
import { useWidth } from './useWidth';

export { niceTicks } from './chartMath';
export { seriesColor } from './palette';

export interface ISeries {
  label: string;
  values: (number | null)[];
  /** The run's slot: its colour, and past the palette its dash and marker (see seriesStyle). */
  color: number;
  /** A dashed line whatever the slot (validation curves in the detail view). */
  dashed?: boolean;
}

const DEFAULT_WIDTH = 360;
const HEIGHT = 200;
const MARGIN = { top: 10, right: 14, bottom: 26, left: 52 };
/** Markers on every point only while they stay apart. */
const MAX_MARKED_POINTS = 400;

let chartCounter = 0;

function isValue(value: number | null | undefined, scale: ScaleKind): value is number {
  return typeof value === 'number' && Number.isFinite(value) && (scale === 'linear' || value > 0);
}

/** SVG path data with a new segment after each missing (or, on a log axis, non-positive) value. */
function pathData(values: (number | null)[], scale: ScaleKind, x: (i: number) => number, y: (v: number) => number): string {
  let data = '';
  let drawing = false;
  values.forEach((value, i) => {
    if (!isValue(value, scale)) {
      drawing = false;
      return;
    }
    data += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
    drawing = true;
  });
  return data;
}

function styleOf(series: ISeries): ISeriesStyle {
  const style = seriesStyle(series.color);
  return series.dashed ? { ...style, dash: '5 3' } : style;
}

/** A legend swatch drawn like the run's line: colour, dash and marker. */
export function Swatch(props: { index: number; dashed?: boolean }): JSX.Element {
  ensurePalette();
  const style = styleOf({ label: '', values: [], color: props.index, dashed: props.dashed });
  return (
    <svg className="jp-kepler-swatch-svg" width={22} height={10} aria-hidden="true" style={{ color: style.color }}>
      <line x1={1} x2={21} y1={5} y2={5} className="jp-kepler-chart-line" strokeDasharray={style.dash || undefined} />
      <path d={markerPath(style.marker, 11, 5, 2.6)} className="jp-kepler-chart-point" />
    </svg>
  );
}

/** The tooltip's rows: highest value first, as the lines stack on the chart; no value last. */
export function tooltipOrder(series: ISeries[], index: number): ISeries[] {
  const valueOf = (s: ISeries) => {
    const value = s.values[index];
    return typeof value === 'number' && Number.isFinite(value) ? value : -Infinity;
  };
  return [...series].sort((a, b) => valueOf(b) - valueOf(a));
}

function Tooltip(props: { series: ISeries[]; index: number; left: number; width: number }): JSX.Element {
  const { index, left, width } = props;
  const series = tooltipOrder(props.series, index);
  // Keep the box inside the chart: right of the crosshair, or left of it near the right edge.
  const flip = left > width * 0.6;
  return (
    <div
      className="jp-kepler-chart-tooltip"
      role="tooltip"
      style={flip ? { right: width - left + 8 } : { left: left + 8 }}
    >
      <div className="jp-kepler-chart-tooltip-epoch">epoch {index + 1}</div>
      <table>
        <tbody>
          {series.map(s => {
            const value = s.values[index];
            return (
              <tr key={s.label}>
                <td>
                  <Swatch index={s.color} dashed={s.dashed} />
                </td>
                <th scope="row">{s.label}</th>
                <td className="jp-kepler-chart-tooltip-value">
                  {typeof value === 'number' && Number.isFinite(value) ? formatNumber(value) : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function LineChart(props: { title: string; series: ISeries[]; wide?: boolean }): JSX.Element {
  const { title, series } = props;
  ensurePalette();
  const figure = React.useRef<HTMLElement>(null);
  const width = useWidth(figure, DEFAULT_WIDTH);
  // null: the automatic choice (log for values spanning 100x), until the user toggles.
  const [chosenScale, setScale] = React.useState<ScaleKind | null>(null);
  const [zoom, setZoom] = React.useState<IWindow | null>(null);
  const [hover, setHover] = React.useState<number | null>(null);
  const [drag, setDrag] = React.useState<{ from: number; to: number } | null>(null);
  // The run whose legend entry is under the pointer: its line stands out, the others fade.
  const [picked, setPicked] = React.useState<string | null>(null);
  const clipId = React.useMemo(() => `jp-kepler-chart-clip-${++chartCounter}`, []);

  const scale =
    chosenScale ??
    defaultScale(series.flatMap(s => s.values.filter((v): v is number => typeof v === 'number')));
  const epochs = Math.max(1, ...series.map(s => s.values.length));
  const full: IWindow = { start: 0, end: epochs - 1 };
  const window = zoom && zoom.end <= full.end ? zoom : full;
  const inWindow = series.flatMap(s =>
    s.values.slice(window.start, window.end + 1).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  );
  const axis: IAxis | null = yAxis(inWindow, scale);
  const hasAny = series.some(s => s.values.some(v => typeof v === 'number' && Number.isFinite(v)));

  const innerWidth = Math.max(40, width - MARGIN.left - MARGIN.right);
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const bottom = MARGIN.top + innerHeight;
  const x = (i: number) => scaleX(window, i, MARGIN.left, innerWidth);
  const y = (v: number) => (axis ? scaleY(axis, v, bottom, MARGIN.top) : bottom);

  // Pointer x in the SVG's own units (the SVG may be drawn scaled by CSS).
  const pointerX = (event: React.MouseEvent<SVGElement>): number => {
    const svg = (event.currentTarget as SVGElement).ownerSVGElement ?? (event.currentTarget as SVGSVGElement);
    const rect = svg.getBoundingClientRect();
    return ((event.clientX - rect.left) * width) / (rect.width || width);
  };
  const onMove = (event: React.MouseEvent<SVGRectElement>) => {
    const px = pointerX(event);
    setHover(nearestIndex(window, px, MARGIN.left, innerWidth));
    if (drag) {
      setDrag({ ...drag, to: px });
    }
  };
  const onUp = () => {
    if (drag) {
      const next = zoomWindow(window, drag.from, drag.to, MARGIN.left, innerWidth);
      if (next) {
        setZoom(next);
      }
      setDrag(null);
    }
  };
  const marked = series.length * (window.end - window.start + 1) <= MAX_MARKED_POINTS;

  const controls = (
    <span className="jp-kepler-chart-controls">
      <button
        type="button"
        className="jp-kepler-chart-button"
        aria-pressed={scale === 'log'}
        title="Logarithmic y axis: a run with a much larger loss no longer flattens the others"
        onClick={() => setScale(scale === 'log' ? 'linear' : 'log')}
      >
        log
      </button>
      {zoom ? (
        <button type="button" className="jp-kepler-chart-button" onClick={() => setZoom(null)}>
          reset zoom
        </button>
      ) : null}
    </span>
  );

  return (
    <figure
      ref={figure}
      className={`jp-kepler-chart${props.wide ? ' jp-kepler-chart-wide' : ''}`}
      data-scale={scale}
      data-window={`${window.start + 1}-${window.end + 1}`}
    >
      <figcaption title="Hover for each run's value; drag across epochs to zoom, double-click to reset">
        <span className="jp-kepler-chart-title">{title}</span>
        {hasAny ? controls : null}
      </figcaption>
      {!hasAny ? (
        <div className="jp-kepler-muted">No values recorded.</div>
      ) : !axis ? (
        <div className="jp-kepler-muted">No positive values to draw on a log scale.</div>
      ) : (
        <div
          className="jp-kepler-chart-body"
          tabIndex={0}
          aria-label={`${title}: arrow keys read each epoch's values`}
          onKeyDown={event => {
            // The keyboard reads values too: arrows move the crosshair, Escape hides it.
            if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
              event.preventDefault();
              const step = event.key === 'ArrowRight' ? 1 : -1;
              const from = hover ?? (step > 0 ? window.start - 1 : window.end + 1);
              setHover(Math.min(window.end, Math.max(window.start, from + step)));
            } else if (event.key === 'Escape') {
              setHover(null);
            }
          }}
          onBlur={() => setHover(null)}
        >
          <svg
            viewBox={`0 0 ${width} ${HEIGHT}`}
            width={width}
            height={HEIGHT}
            role="img"
            aria-label={title}
            className="jp-kepler-chart-svg"
          >
            <defs>
              <clipPath id={clipId}>
                <rect x={MARGIN.left - 4} y={MARGIN.top - 4} width={innerWidth + 8} height={innerHeight + 8} />
              </clipPath>
            </defs>
            {axis.ticks.map(tick => (
              <g key={`y${tick}`}>
                <line className="jp-kepler-chart-grid" x1={MARGIN.left} x2={MARGIN.left + innerWidth} y1={y(tick)} y2={y(tick)} />
                <text className="jp-kepler-chart-label jp-kepler-chart-ytick" x={MARGIN.left - 6} y={y(tick) + 3} textAnchor="end">
                  {formatNumber(tick)}
                </text>
              </g>
            ))}
            {epochTicks(window).map(i => (
              <text key={`x${i}`} className="jp-kepler-chart-label" x={x(i)} y={HEIGHT - 8} textAnchor="middle">
                {i + 1}
              </text>
            ))}
            <text className="jp-kepler-chart-label" x={MARGIN.left - 6} y={HEIGHT - 8} textAnchor="end">
              epoch
            </text>
            <g clipPath={`url(#${clipId})`}>
              {/* the picked run drawn last, so on top */}
              {[...series].sort((a, b) => Number(a.label === picked) - Number(b.label === picked)).map(s => {
                const style = styleOf(s);
                return (
                  <g
                    key={s.label}
                    style={{ color: style.color }}
                    className={picked === null ? undefined : picked === s.label ? 'jp-kepler-chart-picked' : 'jp-kepler-chart-faded'}
                  >
                    <path className="jp-kepler-chart-line" d={pathData(s.values, scale, x, y)} strokeDasharray={style.dash || undefined} />
                    {marked
                      ? s.values.map((value, i) =>
                          i >= window.start && i <= window.end && isValue(value, scale) ? (
                            <path key={i} className="jp-kepler-chart-point" d={markerPath(style.marker, x(i), y(value), 2.2)} />
                          ) : null
                        )
                      : null}
                  </g>
                );
              })}
            </g>
            {hover !== null ? (
              <g className="jp-kepler-chart-hover">
                <line className="jp-kepler-chart-crosshair" x1={x(hover)} x2={x(hover)} y1={MARGIN.top} y2={bottom} />
                {series.map(s => {
                  const value = s.values[hover];
                  const style = styleOf(s);
                  return isValue(value, scale) ? (
                    <path key={s.label} style={{ color: style.color }} className="jp-kepler-chart-point jp-kepler-chart-hover-point" d={markerPath(style.marker, x(hover), y(value), 4)} />
                  ) : null;
                })}
              </g>
            ) : null}
            {drag ? (
              <rect
                className="jp-kepler-chart-selection"
                x={Math.min(drag.from, drag.to)}
                y={MARGIN.top}
                width={Math.abs(drag.to - drag.from)}
                height={innerHeight}
              />
            ) : null}
            <rect
              className="jp-kepler-chart-overlay"
              x={MARGIN.left}
              y={MARGIN.top}
              width={innerWidth}
              height={innerHeight}
              onMouseMove={onMove}
              onMouseLeave={() => {
                setHover(null);
                setDrag(null);
              }}
              onMouseDown={event => {
                event.preventDefault();
                const px = pointerX(event);
                setDrag({ from: px, to: px });
              }}
              onMouseUp={onUp}
              onDoubleClick={() => setZoom(null)}
            />
          </svg>
          {hover !== null ? <Tooltip series={series} index={hover} left={x(hover)} width={width} /> : null}
          {axis.hidden > 0 ? (
            <div className="jp-kepler-muted jp-kepler-chart-note">
              {axis.hidden} value{axis.hidden === 1 ? '' : 's'} ≤ 0 not shown on the log scale
            </div>
          ) : null}
        </div>
      )}
      <ul className="jp-kepler-legend">
        {series.map(s => (
          <li key={s.label} onMouseEnter={() => setPicked(s.label)} onMouseLeave={() => setPicked(null)}>
            <Swatch index={s.color} dashed={s.dashed} />
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
