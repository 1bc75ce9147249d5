/**
 * The pure maths behind the curves: y scales (linear or log) with their ticks, the epoch window
 * a drag zooms to, and the epoch under the pointer. No DOM here, so jest checks it directly.
 */

export type ScaleKind = 'linear' | 'log';

/** About ``count`` round tick values covering [low, high]. */
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

/**
 * Ticks of a log axis covering [low, high] (both > 0): the powers of ten around them, with
 * 2 and 5 in between when the range spans less than two decades (else too few labels).
 */
export function logTicks(low: number, high: number): number[] {
  if (!(low > 0) || !(high > 0)) {
    throw new RangeError('a log axis needs positive bounds');
  }
  if (low === high) {
    low /= 2;
    high *= 2;
  }
  const first = Math.floor(Math.log10(low));
  const last = Math.ceil(Math.log10(high));
  const multiples = last - first < 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let power = first; power <= last; power++) {
    for (const m of multiples) {
      ticks.push(Number((m * Math.pow(10, power)).toPrecision(12)));
    }
  }
  // Keep one tick at or below low and one at or above high, drop the rest outside.
  const below = ticks.filter(t => t <= low);
  const above = ticks.filter(t => t >= high);
  const lowTick = below.length ? below[below.length - 1] : ticks[0];
  const highTick = above.length ? above[0] : ticks[ticks.length - 1];
  return ticks.filter(t => t >= lowTick && t <= highTick);
}

export interface IAxis {
  kind: ScaleKind;
  ticks: number[];
  low: number;
  high: number;
  /** How many values a log axis cannot show (zero or negative). */
  hidden: number;
}

/**
 * The y axis for ``values``: linear with round ticks, or log over the positive values
 * (values <= 0 are counted in ``hidden`` and left out). Null when nothing can be drawn.
 */
export function yAxis(values: number[], kind: ScaleKind): IAxis | null {
  const finite = values.filter(v => Number.isFinite(v));
  const shown = kind === 'log' ? finite.filter(v => v > 0) : finite;
  if (shown.length === 0) {
    return null;
  }
  let low = Infinity;
  let high = -Infinity;
  for (const v of shown) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  const ticks = kind === 'log' ? logTicks(low, high) : niceTicks(low, high);
  return {
    kind,
    ticks,
    low: ticks[0],
    high: ticks[ticks.length - 1],
    hidden: finite.length - shown.length
  };
}

/**
 * The scale a chart opens with: log when every value is positive and they span a factor of
 * 100 or more (a run that starts at 92 next to runs below 1), as the notebook's curves do.
 */
export function defaultScale(values: number[]): ScaleKind {
  const finite = values.filter(v => Number.isFinite(v));
  if (finite.length === 0 || finite.some(v => v <= 0)) {
    return 'linear';
  }
  return Math.max(...finite) / Math.min(...finite) >= 100 ? 'log' : 'linear';
}

/** Map a value on ``axis`` to a pixel between ``bottom`` (low) and ``top`` (high). */
export function scaleY(axis: IAxis, value: number, bottom: number, top: number): number {
  const t =
    axis.kind === 'log'
      ? (Math.log10(value) - Math.log10(axis.low)) / (Math.log10(axis.high) - Math.log10(axis.low) || 1)
      : (value - axis.low) / (axis.high - axis.low || 1);
  return bottom + (top - bottom) * t;
}

/** A window of epoch indexes [start, end], both shown (0-based). */
export interface IWindow {
  start: number;
  end: number;
}

/** Pixel of epoch ``index`` in ``window`` drawn over [left, left + width]. */
export function scaleX(window: IWindow, index: number, left: number, width: number): number {
  const span = window.end - window.start;
  return span <= 0 ? left + width / 2 : left + ((index - window.start) / span) * width;
}

/** The epoch index nearest to pixel ``px`` (clamped to the window). */
export function nearestIndex(window: IWindow, px: number, left: number, width: number): number {
  const span = window.end - window.start;
  const raw = span <= 0 ? window.start : window.start + ((px - left) / (width || 1)) * span;
  return Math.min(window.end, Math.max(window.start, Math.round(raw)));
}

/**
 * The window a drag from pixel ``from`` to ``to`` zooms to: the epochs the drag covers, at
 * least two of them (a line needs two points); null for a drag too short to mean a zoom.
 */
export function zoomWindow(
  window: IWindow,
  from: number,
  to: number,
  left: number,
  width: number,
  minDragPx = 6
): IWindow | null {
  if (Math.abs(to - from) < minDragPx || window.end - window.start < 2) {
    return null;
  }
  const span = window.end - window.start;
  const at = (px: number) =>
    Math.min(window.end, Math.max(window.start, window.start + ((px - left) / (width || 1)) * span));
  let start = Math.floor(at(Math.min(from, to)));
  let end = Math.ceil(at(Math.max(from, to)));
  if (end - start < 1) {
    end = Math.min(window.end, start + 1);
    start = end - 1;
  }
  return start === window.start && end === window.end ? null : { start, end };
}

/** Round x ticks (epoch indexes) inside the window, at most ``count`` of them. */
export function epochTicks(window: IWindow, count = 6): number[] {
  const span = window.end - window.start;
  if (span <= 0) {
    return [window.start];
  }
  const step = Math.max(1, niceTicks(0, span, count)[1] - niceTicks(0, span, count)[0]);
  const ticks: number[] = [];
  // Label epochs 1-based, so place ticks on round 1-based numbers.
  const first = Math.ceil((window.start + 1) / step) * step - 1;
  for (let i = first; i <= window.end; i += step) {
    if (i >= window.start) {
      ticks.push(Math.round(i));
    }
  }
  if (ticks.length === 0 || ticks[0] !== window.start) {
    ticks.unshift(window.start);
  }
  return ticks.filter((t, i) => i === 0 || t - ticks[i - 1] >= step * 0.5);
}
