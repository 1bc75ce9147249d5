/**
 * The axes of a parallel-coordinates view (settings → metric): one axis per setting that
 * varies between the runs, then the goal metric. Numeric settings get a scaled axis (log when
 * all positive and spanning two decades or more, as learning rates do), anything else an axis
 * of ordered categories. Pure: jest checks it without a DOM.
 */
import { SettingRow } from '../tokens';
import { formatNumber, formatValue } from './format';

/** Where a run that lacks a value sits: just under the axis, at its "n/a" mark. */
export const MISSING_POSITION = -0.12;

export interface IParallelTick {
  label: string;
  /** 0 (bottom of the axis) to 1 (top). */
  position: number;
}

export interface IParallelAxis {
  key: string;
  kind: 'linear' | 'log' | 'category';
  ticks: IParallelTick[];
  /** Per run, 0..1, or MISSING_POSITION where the run has no value. */
  positions: number[];
  /** Whether some run has no value (the axis shows an "n/a" mark). */
  hasMissing: boolean;
  isMetric: boolean;
}

/**
 * A setting's name short enough for an axis: without the ``params.`` and scikit-learn's
 * ``estimator_params.`` prefixes (``params.estimator_params.alpha`` → ``alpha``).
 */
export function axisLabel(key: string): string {
  return key.replace(/^params\./, '').replace(/^estimator_params\./, '');
}

/** Settings that name a run rather than describe it: never an axis. */
function isAxisSetting(row: SettingRow): boolean {
  return row.differs && !row.key.startsWith('fingerprint.');
}

function numericAxis(key: string, values: (number | null)[], isMetric: boolean): IParallelAxis {
  const present = values.filter((v): v is number => v !== null);
  const low = Math.min(...present);
  const high = Math.max(...present);
  const log = low > 0 && high / low >= 100;
  const t = (v: number): number => {
    if (high === low) {
      return 0.5;
    }
    return log ? (Math.log10(v) - Math.log10(low)) / (Math.log10(high) - Math.log10(low)) : (v - low) / (high - low);
  };
  const distinct = Array.from(new Set(present)).sort((a, b) => a - b);
  const shown = distinct.length <= 6 ? distinct : [low, high];
  return {
    key,
    kind: log ? 'log' : 'linear',
    ticks: shown.map(v => ({ label: formatNumber(v), position: t(v) })),
    positions: values.map(v => (v === null ? MISSING_POSITION : t(v))),
    hasMissing: values.some(v => v === null),
    isMetric
  };
}

function categoryAxis(key: string, values: unknown[]): IParallelAxis {
  const labels = values.map(v => (v === null || v === undefined ? null : formatValue(v)));
  const categories = Array.from(new Set(labels.filter((l): l is string => l !== null))).sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true })
  );
  const t = (label: string) =>
    categories.length === 1 ? 0.5 : categories.indexOf(label) / (categories.length - 1);
  return {
    key,
    kind: 'category',
    ticks: categories.map(label => ({ label, position: t(label) })),
    positions: labels.map(l => (l === null ? MISSING_POSITION : t(l))),
    hasMissing: labels.some(l => l === null),
    isMetric: false
  };
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The axes for runs compared on ``settings`` (the compare route's rows) with ``metricValues``
 * (each run's goal metric, in the same order) named ``metricName``.
 */
export function buildParallelAxes(
  settings: SettingRow[],
  metricName: string | null,
  metricValues: unknown[]
): IParallelAxis[] {
  const axes = settings.filter(isAxisSetting).map(row => {
    const numeric = row.values.every(v => v === null || (typeof v === 'number' && Number.isFinite(v)));
    return numeric
      ? numericAxis(row.key, row.values.map(finiteOrNull), false)
      : categoryAxis(row.key, row.values);
  });
  const metric = metricValues.map(finiteOrNull);
  if (metricName && metric.some(v => v !== null)) {
    axes.push(numericAxis(metricName, metric, true));
  }
  return axes;
}

/**
 * How good each run's metric is, 0 (worst shown) to 1 (best), or null without a value:
 * what colours its line.
 */
export function metricGoodness(values: unknown[], mode: 'min' | 'max'): (number | null)[] {
  const numbers = values.map(finiteOrNull);
  const present = numbers.filter((v): v is number => v !== null);
  if (present.length === 0) {
    return numbers.map(() => null);
  }
  const low = Math.min(...present);
  const high = Math.max(...present);
  return numbers.map(v => {
    if (v === null) {
      return null;
    }
    const t = high === low ? 1 : (v - low) / (high - low);
    return mode === 'max' ? t : 1 - t;
  });
}

/**
 * Viridis, cut at the end that vanishes on the theme's background (its pale yellow on white,
 * its dark purple on black): a sequential scale readable with colour-vision deficiencies.
 */
const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

export function metricColor(goodness: number | null, darkTheme: boolean): string {
  if (goodness === null) {
    return 'var(--jp-content-font-color3)';
  }
  const [from, to] = darkTheme ? [4, 9] : [0, 5];
  const index = Math.round(from + Math.min(1, Math.max(0, goodness)) * (to - from));
  return VIRIDIS[index];
}
