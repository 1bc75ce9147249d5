/**
 * Run colours that stay readable for 10+ runs, for colour-blind readers, on light and dark
 * JupyterLab themes; past the palette each run also gets its own dash and marker.
 *
 * The colours come from Okabe & Ito's palette and Paul Tol's "muted" and "bright" sets (both
 * designed to stay apart under the common colour-vision deficiencies). Each theme gets its own
 * ordering of the ones that reach a 3:1 contrast against its background (WCAG 2.1, 1.4.11 for
 * graphical objects): the orange, sky blue and yellow that read well on a dark background are
 * too pale on white, and the indigo and wine that read well on white vanish on dark.
 * The order puts the colours that differ most (also under deuteranopia, protanopia and
 * tritanopia) first, so a comparison of a few runs gets the most distinct ones.
 */

/** On JupyterLab Light (background --jp-layout-color0: white). */
export const LIGHT_PALETTE = [
  '#0072B2', // Okabe-Ito blue
  '#D55E00', // Okabe-Ito vermillion
  '#009E73', // Okabe-Ito bluish green
  '#882255', // Tol muted wine
  '#332288', // Tol muted indigo
  '#CC79A7', // Okabe-Ito reddish purple
  '#999933', // Tol muted olive
  '#CC6677', // Tol muted rose
  '#117733', // Tol muted green
  '#AA4499' // Tol muted purple
];

/** On JupyterLab Dark (backgrounds --jp-layout-color0 #111111 and color1 #212121). */
export const DARK_PALETTE = [
  '#E69F00', // Okabe-Ito orange
  '#66CCEE', // Tol bright cyan
  '#0072B2', // Okabe-Ito blue
  '#EEDD88', // Tol light yellow
  '#EE6677', // Tol bright red
  '#CC79A7', // Okabe-Ito reddish purple
  '#FFAABB', // Tol light pink
  '#999933', // Tol muted olive
  '#009E73', // Okabe-Ito bluish green
  '#44BB99' // Tol light mint
];

/** The theme backgrounds each palette is checked against. */
export const THEME_BACKGROUNDS = { light: ['#FFFFFF'], dark: ['#111111', '#212121'] };

/** Dash patterns (SVG stroke-dasharray) for runs past the palette; the first is solid. */
export const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';
export const MARKERS: MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];

export interface ISeriesStyle {
  /** A CSS colour: the theme-dependent variable of the run's palette slot. */
  color: string;
  /** stroke-dasharray, '' for solid. */
  dash: string;
  marker: MarkerShape;
}

export const PALETTE_SIZE = Math.min(LIGHT_PALETTE.length, DARK_PALETTE.length);

/**
 * The look of run ``index``: a palette colour; from the second round of the palette on, a
 * dash pattern and a marker shape too, so no two of the first 40 runs look alike.
 */
export function seriesStyle(index: number): ISeriesStyle {
  const slot = ((index % PALETTE_SIZE) + PALETTE_SIZE) % PALETTE_SIZE;
  const round = Math.floor(Math.max(0, index) / PALETTE_SIZE);
  return {
    color: `var(--jp-kepler-series-${slot})`,
    dash: DASHES[round % DASHES.length],
    marker: MARKERS[round % MARKERS.length]
  };
}

/** The CSS colour of run ``index`` (theme variable). */
export function seriesColor(index: number): string {
  return seriesStyle(index).color;
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** Relative luminance of a #RRGGBB colour (WCAG 2.1). */
export function luminance(hex: string): number {
  const n = parseInt(hex.replace('#', ''), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(channel);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio between two #RRGGBB colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

/** The style sheet that binds the palette variables to the current JupyterLab theme. */
export function paletteCss(): string {
  const vars = (palette: string[]) =>
    palette.map((color, i) => `--jp-kepler-series-${i}: ${color};`).join(' ');
  // JupyterLab marks the theme on <body data-jp-theme-light="true|false">.
  return (
    `:root { ${vars(LIGHT_PALETTE)} }\n` +
    `body[data-jp-theme-light='false'] { ${vars(DARK_PALETTE)} }\n`
  );
}

const STYLE_ID = 'jp-kepler-series-palette';

/** Add the palette's style sheet to the document once (views call it before drawing runs). */
export function ensurePalette(doc: Document | undefined = globalThis.document): void {
  if (!doc || doc.getElementById(STYLE_ID)) {
    return;
  }
  const style = doc.createElement('style');
  style.id = STYLE_ID;
  style.textContent = paletteCss();
  doc.head.appendChild(style);
}

/** SVG path data for a marker of ``shape`` centred on (x, y) with radius ``r``. */
export function markerPath(shape: MarkerShape, x: number, y: number, r: number): string {
  const f = (v: number) => v.toFixed(1);
  switch (shape) {
    case 'square':
      return `M${f(x - r)},${f(y - r)}h${f(2 * r)}v${f(2 * r)}h${f(-2 * r)}Z`;
    case 'triangle':
      return `M${f(x)},${f(y - r * 1.2)}L${f(x + r * 1.1)},${f(y + r * 0.8)}L${f(x - r * 1.1)},${f(y + r * 0.8)}Z`;
    case 'diamond':
      return `M${f(x)},${f(y - r * 1.3)}L${f(x + r * 1.3)},${f(y)}L${f(x)},${f(y + r * 1.3)}L${f(x - r * 1.3)},${f(y)}Z`;
    default:
      return `M${f(x - r)},${f(y)}a${f(r)},${f(r)} 0 1,0 ${f(2 * r)},0a${f(r)},${f(r)} 0 1,0 ${f(-2 * r)},0`;
  }
}
