/**
 * @jest-environment jsdom
 */
/**
 * The compare view's pure parts: the run palette (contrast on both themes, colour-blind
 * distance, a unique look per run past the palette), the chart maths (log ticks, zoom, the
 * epoch under the pointer), the parallel-coordinates axes and the settings-differ display.
 */
import * as React from 'react';
import { act } from 'react-test-renderer';

import { Comparison, SettingRow } from '../tokens';
import { defaultScale, logTicks, nearestIndex, niceTicks, scaleY, yAxis, zoomWindow, epochTicks } from '../widgets/chartMath';
import { ComparisonView, settingsTitle, visibleSettings } from '../widgets/CompareView';
import { LineChart, tooltipOrder } from '../widgets/LineChart';
import {
  DARK_PALETTE,
  LIGHT_PALETTE,
  PALETTE_SIZE,
  THEME_BACKGROUNDS,
  contrastRatio,
  paletteCss,
  seriesStyle
} from '../widgets/palette';
import { MISSING_POSITION, axisLabel, buildParallelAxes, metricColor, metricGoodness } from '../widgets/parallel';
import { render } from './testHelpers';

// --- colour-vision simulation (Machado et al. 2009, severity 1) and CIELAB distance -------
const CVD: { [name: string]: number[][] } = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998]
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881]
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039]
  ]
};

function linear(hex: string): number[] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(c => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
}

function lab(rgb: number[]): number[] {
  const [r, g, b] = rgb.map(v => Math.min(1, Math.max(0, v)));
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function seen(hex: string, matrix?: number[][]): number[] {
  const c = linear(hex);
  return lab(matrix ? matrix.map(row => row[0] * c[0] + row[1] * c[1] + row[2] * c[2]) : c);
}

function distance(a: string, b: string, matrix?: number[][]): number {
  const [p, q] = [seen(a, matrix), seen(b, matrix)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

describe('run palette', () => {
  it.each([
    ['light', LIGHT_PALETTE, THEME_BACKGROUNDS.light],
    ['dark', DARK_PALETTE, THEME_BACKGROUNDS.dark]
  ])('every %s-theme colour has 3:1 contrast with its backgrounds', (_, palette, backgrounds) => {
    expect(palette.length).toBeGreaterThanOrEqual(10);
    for (const color of palette) {
      for (const background of backgrounds) {
        expect(contrastRatio(color, background)).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('contrast ratio is the WCAG one', () => {
    expect(contrastRatio('#000000', '#FFFFFF')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBeCloseTo(1, 5);
  });

  it.each([
    ['light', LIGHT_PALETTE],
    ['dark', DARK_PALETTE]
  ])('the first six %s colours stay apart with every colour-vision deficiency', (_, palette) => {
    const first = palette.slice(0, 6);
    for (const matrix of [undefined, ...Object.values(CVD)]) {
      for (let i = 0; i < first.length; i++) {
        for (let j = 0; j < i; j++) {
          // ΔE*ab above ~10 reads as clearly different colours side by side.
          expect(distance(first[i], first[j], matrix)).toBeGreaterThan(10);
        }
      }
    }
  });

  it('gives each of 40 runs its own look: colour, then dash and marker past the palette', () => {
    const looks = Array.from({ length: 40 }, (_, i) => seriesStyle(i));
    expect(new Set(looks.map(s => JSON.stringify(s))).size).toBe(40);
    expect(looks[0].dash).toBe('');
    expect(looks[PALETTE_SIZE].color).toBe(looks[0].color);
    expect(looks[PALETTE_SIZE].dash).not.toBe('');
    expect(looks[PALETTE_SIZE].marker).not.toBe(looks[0].marker);
  });

  it('binds the variables per theme', () => {
    const css = paletteCss();
    expect(css).toContain(`--jp-kepler-series-0: ${LIGHT_PALETTE[0]}`);
    expect(css).toMatch(new RegExp(`data-jp-theme-light='false'.*--jp-kepler-series-0: ${DARK_PALETTE[0]}`));
  });
});

describe('chart maths', () => {
  it('log ticks are powers of ten covering the values', () => {
    const ticks = logTicks(0.03, 92);
    expect(ticks[0]).toBeLessThanOrEqual(0.03);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(92);
    expect(ticks).toEqual([0.01, 0.1, 1, 10, 100]);
  });

  it('log ticks add 2 and 5 within a narrow range', () => {
    expect(logTicks(0.3, 0.9)).toEqual([0.2, 0.5, 1]);
  });

  it('a log axis leaves out values it cannot draw and says how many', () => {
    const axis = yAxis([92, 1, 0.05, 0, -1], 'log');
    expect(axis?.hidden).toBe(2);
    expect(axis?.low).toBeLessThanOrEqual(0.05);
    expect(yAxis([0, -2], 'log')).toBeNull();
  });

  it('on a log axis a run at 92 no longer flattens runs below 1', () => {
    const values = [92, 40, 0.5, 0.45, 0.4, 0.35];
    const linearAxis = yAxis(values, 'linear')!;
    const logAxis = yAxis(values, 'log')!;
    const spread = (axis: typeof linearAxis) => Math.abs(scaleY(axis, 0.5, 200, 0) - scaleY(axis, 0.35, 200, 0));
    expect(spread(logAxis)).toBeGreaterThan(5 * spread(linearAxis));
  });

  it('linear ticks are round and cover the values', () => {
    const ticks = niceTicks(0.13, 0.91);
    expect(ticks[0]).toBeLessThanOrEqual(0.13);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(0.91);
  });

  it('the pointer picks the nearest epoch, clamped to the window', () => {
    const window = { start: 0, end: 9 };
    expect(nearestIndex(window, 50, 50, 900)).toBe(0);
    expect(nearestIndex(window, 50 + 900, 50, 900)).toBe(9);
    expect(nearestIndex(window, 50 + 460, 50, 900)).toBe(5);
    expect(nearestIndex(window, 2000, 50, 900)).toBe(9);
    expect(nearestIndex({ start: 4, end: 6 }, 50 + 450, 50, 900)).toBe(5);
  });

  it('a drag zooms to the epochs it covers; a click or a too-small window does not', () => {
    const window = { start: 0, end: 99 };
    expect(zoomWindow(window, 50 + 90, 50 + 450, 50, 900)).toEqual({ start: 9, end: 50 });
    expect(zoomWindow(window, 50 + 450, 50 + 90, 50, 900)).toEqual({ start: 9, end: 50 });
    expect(zoomWindow(window, 100, 103, 50, 900)).toBeNull();
    expect(zoomWindow({ start: 3, end: 4 }, 50, 950, 50, 900)).toBeNull();
    // Zooming again narrows the zoomed window, never below two epochs.
    const narrow = zoomWindow({ start: 10, end: 20 }, 50 + 400, 50 + 410, 50, 900);
    expect(narrow).not.toBeNull();
    expect(narrow!.end - narrow!.start).toBeGreaterThanOrEqual(1);
    expect(narrow!.start).toBeGreaterThanOrEqual(10);
  });

  it('epoch ticks stay inside the window and start at its first epoch', () => {
    const ticks = epochTicks({ start: 9, end: 50 });
    expect(ticks[0]).toBe(9);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(50);
    expect(ticks.length).toBeLessThanOrEqual(8);
  });
});

function row(key: string, values: SettingRow['values'], differs: boolean, notApplicable?: boolean[]): SettingRow {
  return { key, values, differs, not_applicable: notApplicable ?? values.map(() => false) };
}

const SETTINGS: SettingRow[] = [
  row('framework', ['keras', 'keras', 'sklearn'], true),
  row('params.learning_rate', [0.1, 0.0001, null], true, [false, false, true]),
  row('params.epochs', [5, 20, null], true, [false, false, true]),
  row('params.optimizer', ['Adam', 'SGD', null], true, [false, false, true]),
  row('params.batch_size', [32, 32, null], false, [false, false, true]),
  row('params.alpha', [null, null, 0.001], false, [true, true, false]),
  row('fingerprint.model', ['aa', 'bb', 'cc'], true)
];

describe('parallel coordinates axes', () => {
  const axes = buildParallelAxes(SETTINGS, 'val_loss', [0.5, 0.2, 0.4]);

  it('one axis per varying setting, fingerprints left out, the metric last', () => {
    expect(axes.map(a => a.key)).toEqual(['framework', 'params.learning_rate', 'params.epochs', 'params.optimizer', 'val_loss']);
    expect(axes[axes.length - 1].isMetric).toBe(true);
  });

  it('numbers get a scaled axis (log over decades), text ordered categories', () => {
    const byKey = Object.fromEntries(axes.map(a => [a.key, a]));
    expect(byKey['params.learning_rate'].kind).toBe('log');
    expect(byKey['params.epochs'].kind).toBe('linear');
    expect(byKey['params.epochs'].positions.slice(0, 2)).toEqual([0, 1]);
    expect(byKey['framework'].kind).toBe('category');
    expect(byKey['framework'].ticks.map(t => t.label)).toEqual(['keras', 'sklearn']);
    expect(byKey['params.optimizer'].ticks.map(t => t.label)).toEqual(['Adam', 'SGD']);
  });

  it('names an axis without the params prefixes', () => {
    expect(axisLabel('params.estimator_params.alpha')).toBe('alpha');
    expect(axisLabel('params.learning_rate')).toBe('learning_rate');
    expect(axisLabel('model.class')).toBe('model.class');
  });

  it('a run without the setting sits at the n/a mark', () => {
    const epochs = axes.find(a => a.key === 'params.epochs')!;
    expect(epochs.positions[2]).toBe(MISSING_POSITION);
    expect(epochs.hasMissing).toBe(true);
  });

  it('the metric colours lines by how good it is, in the goal direction', () => {
    expect(metricGoodness([0.5, 0.2, 0.4], 'min')).toEqual([0, 1, expect.closeTo(1 / 3, 5)]);
    expect(metricGoodness([0.5, 0.2, null], 'max')).toEqual([1, 0, null]);
    expect(metricColor(1, false)).not.toBe(metricColor(0, false));
    expect(contrastRatio(metricColor(1, false), '#FFFFFF')).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(metricColor(0, false), '#FFFFFF')).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(metricColor(0, true), '#212121')).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(metricColor(1, true), '#212121')).toBeGreaterThanOrEqual(3);
  });

  it('no metric axis when no run has the metric', () => {
    expect(buildParallelAxes(SETTINGS, 'val_loss', [null, 'x', undefined]).some(a => a.isMetric)).toBe(false);
  });
});

describe('settings that differ', () => {
  it('counts what differs out of every setting and filters to it', () => {
    expect(settingsTitle(SETTINGS)).toBe('Settings (5 of 7 differ)');
    expect(visibleSettings(SETTINGS, true).map(r => r.key)).not.toContain('params.batch_size');
    expect(visibleSettings(SETTINGS, false)).toHaveLength(7);
  });

  function comparison(): Comparison {
    const run = (id: string, framework: string, metrics: Record<string, number>) => ({
      id,
      name: `run ${id}`,
      status: 'completed',
      framework,
      history: { loss: [92, 3, 1], val_loss: [80, 2, 0.9] },
      metrics
    });
    return {
      experiments: [run('a', 'keras', { val_loss: 0.5 }), run('b', 'keras', { val_loss: 0.2 }), run('c', 'sklearn', { val_loss: 0.4 })],
      settings: SETTINGS,
      differing: SETTINGS.filter(r => r.differs).map(r => r.key),
      metric: { name: 'val_loss', mode: 'min', target: null, source: 'default' },
      project: { name: 'p', path: '.', has_journal: true }
    } as unknown as Comparison;
  }

  it('shows only the differing settings by default, with the honest count; the toggle shows all', () => {
    const view = render(<ComparisonView comparison={comparison()} />);
    const settingRows = () =>
      view.root.findAll(n => n.type === 'th' && n.props.scope === 'row' && String(n.props.children).includes('.')).map(n => String(n.props.children));
    expect(settingRows()).toContain('params.epochs');
    expect(settingRows()).not.toContain('params.batch_size');
    const heading = view.root.findAll(n => n.type === 'h3').map(n => n.props.children);
    expect(heading).toContain('Settings (5 of 7 differ)');
    const toggle = view.root.find(n => n.type === 'input' && n.props.type === 'checkbox');
    expect(toggle.props.checked).toBe(true);
    act(() => toggle.props.onChange({ target: { checked: false } }));
    expect(settingRows()).toContain('params.batch_size');
  });

  it('a setting the framework lacks reads n/a, not an empty value', () => {
    const view = render(<ComparisonView comparison={comparison()} />);
    const cells = view.root.findAll(n => n.type === 'td' && n.props.className === 'jp-kepler-not-applicable');
    expect(cells.length).toBe(3); // learning_rate, epochs, optimizer for the sklearn run
    expect(cells[0].props.title).toContain('sklearn');
  });

  it('draws one parallel axis per varying setting plus the metric', () => {
    const view = render(<ComparisonView comparison={comparison()} />);
    const axes = view.root.findAll(n => n.type === 'g' && typeof n.props['data-axis'] === 'string');
    expect(axes.map(a => a.props['data-axis'])).toEqual(['framework', 'params.learning_rate', 'params.epochs', 'params.optimizer', 'val_loss']);
    expect(view.root.findAll(n => n.type === 'path' && n.props['data-experiment-id'])).toHaveLength(3);
  });
});

describe('line chart', () => {
  const series = [
    { label: 'big', values: [92, 10, 1], color: 0 },
    { label: 'small', values: [0.9, 0.5, 0.3], color: 1 }
  ];

  const narrow = [
    { label: 'a', values: [0.9, 0.5, 0.3], color: 0 },
    { label: 'b', values: [0.8, 0.6, 0.4], color: 1 }
  ];

  it('opens on a log axis when the values span 100x, else linear', () => {
    expect(defaultScale([92, 10, 1, 0.9, 0.3])).toBe('log');
    expect(defaultScale([0.9, 0.3])).toBe('linear');
    expect(defaultScale([92, 0, 0.3])).toBe('linear'); // a log axis cannot show 0
  });

  it('the log toggle switches the axis to powers of ten and back', () => {
    const view = render(<LineChart title="loss" series={narrow} />);
    const figure = () => view.root.find(n => n.type === 'figure');
    const yTicks = () =>
      view.root.findAll(n => n.type === 'text' && String(n.props.className).includes('jp-kepler-chart-ytick')).map(n => n.props.children);
    const toggle = () => act(() => view.root.find(n => n.type === 'button' && n.props.children === 'log').props.onClick());
    expect(figure().props['data-scale']).toBe('linear');
    const linearTicks = yTicks();
    toggle();
    expect(figure().props['data-scale']).toBe('log');
    expect(yTicks()).toEqual(['0.2', '0.5', '1']);
    toggle();
    expect(yTicks()).toEqual(linearTicks);
  });

  it('a run at 92 next to runs below 1 opens on the log axis; the toggle goes linear', () => {
    const view = render(<LineChart title="loss" series={series} />);
    const figure = () => view.root.find(n => n.type === 'figure');
    expect(figure().props['data-scale']).toBe('log');
    act(() => view.root.find(n => n.type === 'button' && n.props.children === 'log').props.onClick());
    expect(figure().props['data-scale']).toBe('linear');
  });

  it('the tooltip lists the runs top line first, runs without a value last', () => {
    const runs = [
      { label: 'low', values: [0.1], color: 0 },
      { label: 'none', values: [null], color: 1 },
      { label: 'high', values: [5], color: 2 }
    ];
    expect(tooltipOrder(runs, 0).map(s => s.label)).toEqual(['high', 'low', 'none']);
  });

  it('arrow keys move the crosshair and the tooltip reads each run at that epoch', () => {
    const view = render(<LineChart title="loss" series={series} />);
    const body = view.root.find(n => n.type === 'div' && n.props.className === 'jp-kepler-chart-body');
    const press = (key: string) => act(() => body.props.onKeyDown({ key, preventDefault: () => undefined }));
    const tooltip = () => view.root.findAll(n => n.props.className === 'jp-kepler-chart-tooltip');
    expect(tooltip()).toHaveLength(0);
    press('ArrowRight');
    press('ArrowRight');
    const epoch = view.root.find(n => n.props.className === 'jp-kepler-chart-tooltip-epoch');
    expect(epoch.props.children).toEqual(['epoch ', 2]);
    const values = view.root
      .findAll(n => n.type === 'td' && n.props.className === 'jp-kepler-chart-tooltip-value')
      .map(n => n.props.children);
    expect(values).toEqual(['10', '0.5']);
    press('ArrowRight');
    press('ArrowRight'); // stays on the last epoch
    expect(view.root.find(n => n.props.className === 'jp-kepler-chart-tooltip-epoch').props.children).toEqual(['epoch ', 3]);
    press('Escape');
    expect(tooltip()).toHaveLength(0);
  });

  it('pointing at a legend entry brings its line forward and fades the others', () => {
    const view = render(<LineChart title="loss" series={narrow} />);
    const groups = () =>
      view.root.findAll(n => n.type === 'g' && n.props.style?.color !== undefined).map(n => n.props.className);
    expect(groups()).toEqual([undefined, undefined]);
    const entries = view.root.findAll(n => n.type === 'li');
    act(() => entries[1].props.onMouseEnter());
    expect(groups()).toEqual(['jp-kepler-chart-faded', 'jp-kepler-chart-picked']);
    act(() => entries[1].props.onMouseLeave());
    expect(groups()).toEqual([undefined, undefined]);
  });
});
