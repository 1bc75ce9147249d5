/**
 * Groups in the run table: which row of the virtual list is a top-level row (a run or a
 * group's parent row, paged from the server) and which is a child of an expanded group.
 *
 * The server groups (`?group=1`) and lists a group's members (`?parent=KEY`); this module only
 * maps list positions to those rows, so that expanding a group of 200 runs inserts its rows
 * under the parent without reloading the pages around it.
 */
import { ExperimentSummary, RowGroup } from './tokens';
import { formatNumber } from './widgets/format';

/** Members of one group fetched at most (the rest: filter on the group to see them). */
export const CHILD_LIMIT = 200;

/** An expanded group: where its parent sits in the top-level list, and its members. */
export interface IExpansion {
  key: string;
  /** The parent row's index among the top-level rows. */
  top: number;
  /** null while loading. */
  rows: ExperimentSummary[] | null;
  /** Members matching the query (may exceed `rows.length`). */
  total: number;
  error?: string | null;
}

export type DisplayRow =
  | { kind: 'top'; top: number }
  | { kind: 'child'; key: string; top: number; index: number }
  | { kind: 'note'; key: string; top: number; text: string };

/** Rows shown under an expanded parent: its members, plus a note while loading, on error, or
 * when not all members are shown. */
export function childSlots(expansion: IExpansion): number {
  if (expansion.rows === null || expansion.error) {
    return 1;
  }
  return expansion.rows.length + (expansion.total > expansion.rows.length ? 1 : 0);
}

function noteText(expansion: IExpansion): string {
  if (expansion.error) {
    return expansion.error;
  }
  if (expansion.rows === null) {
    return 'Loading…';
  }
  return `${expansion.rows.length} of ${expansion.total} shown: narrow the search to see the others`;
}

function ordered(expansions: Iterable<IExpansion>): IExpansion[] {
  return [...expansions].sort((a, b) => a.top - b.top);
}

/** How many rows the list has: the top-level rows and every expanded group's children. */
export function displayCount(total: number, expansions: Iterable<IExpansion>): number {
  let count = total;
  for (const expansion of expansions) {
    if (expansion.top < total) {
      count += childSlots(expansion);
    }
  }
  return count;
}

/** What the list shows at `index`. */
export function displayAt(index: number, expansions: Iterable<IExpansion>): DisplayRow {
  let shift = 0; // child rows above `index` so far
  for (const expansion of ordered(expansions)) {
    const parentAt = expansion.top + shift;
    if (index <= parentAt) {
      break;
    }
    const slots = childSlots(expansion);
    if (index <= parentAt + slots) {
      const child = index - parentAt - 1;
      const rows = expansion.rows;
      if (rows !== null && !expansion.error && child < rows.length) {
        return { kind: 'child', key: expansion.key, top: expansion.top, index: child };
      }
      return { kind: 'note', key: expansion.key, top: expansion.top, text: noteText(expansion) };
    }
    shift += slots;
  }
  return { kind: 'top', top: index - shift };
}

/** The top-level rows a span of list rows needs (to fetch their pages). */
export function topRange(first: number, last: number, expansions: Iterable<IExpansion>): [number, number] {
  const list = ordered(expansions);
  return [displayAt(Math.max(0, first), list).top, displayAt(Math.max(0, last), list).top];
}

/** "0.825 ± 0.031": a group's mean and spread of the metric (— without values). */
export function groupSpread(group: RowGroup): string {
  if (group.mean === null) {
    return '—';
  }
  return group.std === null ? formatNumber(group.mean) : `${formatNumber(group.mean)} ± ${formatNumber(group.std)}`;
}

/** How a parent row names its group: "search lr-sweep", "loop Ridge", "4 re-runs". */
export function groupTitle(group: RowGroup): string {
  if (group.kind === 'search') {
    return `search ${group.label}`;
  }
  if (group.kind === 'loop') {
    return `${group.count} fits of one cell · ${group.label}`;
  }
  return group.label;
}

/** Whether clicking the row opens a run (a re-run group stands for its newest run) rather
 * than only expanding. */
export function opensRun(group: RowGroup | undefined): boolean {
  return !group || group.kind === 'rerun' || group.kind === 'single';
}
