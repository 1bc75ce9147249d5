/**
 * Deep links (a JupyterLab URL that reopens one experiment or one comparison in a fresh page),
 * and the small pure pieces of the detail view's actions: tags typed as text, the edit sent
 * for a form, the notebook cell a run came from.
 */
import { ExperimentEdit, ExperimentRecord } from './tokens';

/** `/lab?kepler=<id>` opens one experiment. */
export const EXPERIMENT_PARAM = 'kepler';
/** `/lab?kepler-compare=<id>,<id>` opens a comparison. */
export const COMPARE_PARAM = 'kepler-compare';
/** The project folder (relative to the server root) when it is not the root. */
export const PATH_PARAM = 'kepler-path';
/** What the router matches to hand a deep link to the panel. */
export const DEEP_LINK_PATTERN = /[?&]kepler(-compare)?=/;

export interface IDeepLink {
  kind: 'experiment' | 'compare';
  ids: string[];
  path: string;
}

function labLink(baseUrl: string, params: [string, string][]): string {
  const query = params
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key}=${encodeURIComponent(value).replace(/%2C/gi, ',')}`)
    .join('&');
  return `${baseUrl.replace(/\/?$/, '/')}lab?${query}`;
}

/** The URL that opens experiment `id` of the project at `path` in a fresh JupyterLab page. */
export function experimentLink(baseUrl: string, id: string, path = ''): string {
  return labLink(baseUrl, [[EXPERIMENT_PARAM, id], [PATH_PARAM, path]]);
}

/** The URL that opens the comparison of `ids` in a fresh JupyterLab page. */
export function compareLink(baseUrl: string, ids: readonly string[], path = ''): string {
  return labLink(baseUrl, [[COMPARE_PARAM, ids.join(',')], [PATH_PARAM, path]]);
}

/** The experiment or comparison a page's query string (`?kepler=…`) asks for, if any. */
export function parseDeepLink(search: string): IDeepLink | null {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const path = params.get(PATH_PARAM) ?? '';
  const compared = (params.get(COMPARE_PARAM) ?? '')
    .split(',')
    .map(id => id.trim())
    .filter(Boolean);
  if (compared.length >= 2) {
    return { kind: 'compare', ids: [...new Set(compared)], path };
  }
  const id = (params.get(EXPERIMENT_PARAM) ?? '').trim();
  return id ? { kind: 'experiment', ids: [id], path } : null;
}

/** Tags typed as text (`baseline, wide v2`): words split on commas and spaces, duplicates
 * dropped; an error message when one is too long (the server's limits). */
export function parseTags(text: string): { tags: string[] } | { error: string } {
  const tags = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  const long = tags.find(tag => tag.length > 64);
  if (long) {
    return { error: `A tag has at most 64 characters (${long.slice(0, 20)}… has ${long.length}).` };
  }
  if (tags.length > 50) {
    return { error: `At most 50 tags (${tags.length} given).` };
  }
  return { tags };
}

export interface INotesForm {
  hypothesis: string;
  conclusion: string;
  tags: string[];
}

/** The form's starting values for `record`. */
export function notesForm(record: ExperimentRecord): INotesForm {
  return {
    hypothesis: record.notes?.hypothesis ?? '',
    conclusion: record.notes?.conclusion ?? '',
    tags: [...(record.tags ?? [])]
  };
}

/** The edit to send: only the fields the form changed; null when nothing changed. */
export function editFrom(record: ExperimentRecord, form: INotesForm): ExperimentEdit | null {
  const before = notesForm(record);
  const edit: ExperimentEdit = {};
  if (form.hypothesis.trim() !== before.hypothesis.trim()) {
    edit.hypothesis = form.hypothesis.trim();
  }
  if (form.conclusion.trim() !== before.conclusion.trim()) {
    edit.conclusion = form.conclusion.trim();
  }
  if (form.tags.join('\u0000') !== before.tags.join('\u0000')) {
    edit.tags = form.tags;
  }
  return Object.keys(edit).length > 0 ? edit : null;
}

function normalizedSource(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/** What the panel knows of a notebook cell. */
export interface ICellLike {
  id?: string;
  source: string;
}

/**
 * The index of the notebook cell a run came from: the cell with the recorded id (JupyterLab
 * sends it with each execution), else the cell whose text is the recorded one (after its
 * `%%kepler` line), else the first that contains it; -1 when none does (edited since).
 */
export function findCellIndex(
  cells: readonly ICellLike[],
  recorded: { cell?: string | null; cell_id?: string | null } | null | undefined
): number {
  const byId = recorded?.cell_id ? cells.findIndex(cell => cell.id === recorded.cell_id) : -1;
  const wanted = normalizedSource(recorded?.cell ?? '');
  if (byId >= 0 || !wanted) {
    return byId;
  }
  const bodies = cells.map(cell => normalizedSource(cell.source.replace(/^\s*%%kepler[^\n]*\n?/, '')));
  const exact = bodies.indexOf(wanted);
  return exact >= 0 ? exact : cells.findIndex(cell => normalizedSource(cell.source).includes(wanted));
}
