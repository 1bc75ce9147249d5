/**
 * @jest-environment jsdom
 */
/**
 * Groups in the run table: the list positions of expanded groups' members, the model that
 * asks the server for groups and members, the group row, the sort headers and the picker.
 */
import * as React from 'react';
import { act } from 'react-test-renderer';

import { IExpansion, displayAt, displayCount, groupSpread, topRange } from '../groups';
import { JournalModel } from '../model';
import { ExperimentSummary, RowGroup } from '../tokens';
import { formatNumber } from '../widgets/format';
import { ExperimentRow } from '../widgets/JournalPanel';
import { ColumnPicker, SortHeaders, moveColumn, pickerSections } from '../widgets/RunTableControls';
import { FakeJournalServer, summary } from './fakeJournalServer';
import { render, waitFor } from './testHelpers';

function group(key: string, count: number, overrides: Partial<RowGroup> = {}): RowGroup {
  return { key, kind: 'search', label: key.slice(2), count, n_values: count, mean: 0.8, std: 0.05, ...overrides };
}

function expansion(key: string, top: number, rows: number, total = rows): IExpansion {
  return { key, top, rows: Array.from({ length: rows }, (_, i) => summary(1000 + i)), total };
}

describe('list positions with expanded groups', () => {
  const expansions = [expansion('s:b', 5, 2, 3), expansion('s:a', 1, 3)];

  it('inserts each group\'s members under its parent, and a note when some are not shown', () => {
    expect(displayCount(10, expansions)).toBe(10 + 3 + 3); // 3 members; 2 members + a note
    expect(displayAt(0, expansions)).toEqual({ kind: 'top', top: 0 });
    expect(displayAt(1, expansions)).toEqual({ kind: 'top', top: 1 });
    expect(displayAt(2, expansions)).toEqual({ kind: 'child', key: 's:a', top: 1, index: 0 });
    expect(displayAt(4, expansions)).toEqual({ kind: 'child', key: 's:a', top: 1, index: 2 });
    expect(displayAt(5, expansions)).toEqual({ kind: 'top', top: 2 });
    expect(displayAt(8, expansions)).toEqual({ kind: 'top', top: 5 });
    expect(displayAt(10, expansions)).toEqual({ kind: 'child', key: 's:b', top: 5, index: 1 });
    const note = displayAt(11, expansions);
    expect(note.kind).toBe('note');
    expect(note.kind === 'note' && note.text).toContain('2 of 3 shown');
    expect(displayAt(12, expansions)).toEqual({ kind: 'top', top: 6 });
    expect(topRange(3, 12, expansions)).toEqual([1, 6]); // the pages rows 3..12 need
  });

  it('shows one loading row while the members are fetched', () => {
    const loading = [{ key: 'f:x', top: 0, rows: null, total: 0 }];
    expect(displayCount(2, loading)).toBe(3);
    expect(displayAt(1, loading)).toEqual({ kind: 'note', key: 'f:x', top: 0, text: 'Loading…' });
  });

  it('writes the spread of the metric', () => {
    expect(groupSpread(group('f:x', 4, { mean: 0.825, std: 0.0311 }))).toBe('0.825 ± 0.0311');
    expect(groupSpread(group('f:x', 2, { mean: 0.5, std: null, n_values: 1 }))).toBe(formatNumber(0.5));
    expect(groupSpread(group('f:x', 2, { mean: null, std: null, n_values: 0 }))).toBe('—');
  });
});

describe('JournalModel groups', () => {
  let server: FakeJournalServer;
  let model: JournalModel;

  beforeEach(() => {
    server = new FakeJournalServer(6);
    server.rows[3] = { ...server.rows[3], group: group('s:sweep', 3) };
    server.members['s:sweep'] = [summary(100), summary(101), summary(102)];
    model = new JournalModel({ api: server, pageSize: 50, pollInterval: 20 });
  });

  afterEach(() => model.dispose());

  it('asks for groups by default and for a group\'s members when it is expanded', async () => {
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    expect(server.requests[server.requests.length - 1].group).toBe('1');
    const top = [...Array(6).keys()].find(i => model.rowAt(i)?.group)!;
    expect(model.rowAt(top)?.group?.key).toBe('s:sweep');
    model.toggleGroup('s:sweep', top);
    expect(model.displayCount).toBe(7); // a loading row first
    await waitFor(() => model.displayCount === 9, 'members');
    const asked = server.requests.find(r => r.parent === 's:sweep')!;
    expect(asked.group).toBeUndefined(); // members are listed flat
    expect(model.summaryAt(model.displayAt(top + 1))?.id).toBe('exp00102');
    expect(model.summaryAt(model.displayAt(top + 4))?.id).toBe(model.rowAt(top + 1)?.id);
    model.toggleGroup('s:sweep', top);
    expect(model.displayCount).toBe(6);
    // the quick filters offer the loaded runs' tags (the catalogue is asked for by the picker)
    expect(model.loadedTags()).toEqual(['even', 'odd']);
  });

  it('collapses groups on a new query and keeps the group switch per project', async () => {
    const store = new Map<string, string>();
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (key: string) => store.get(key) ?? null,
      setItem: (key: string, value: string) => void store.set(key, value)
    };
    try {
      model.setVisible(true);
      await waitFor(() => model.rowAt(0) !== undefined, 'first page');
      model.toggleGroup('s:sweep', 2);
      model.setQuery({ group: false });
      expect(model.isExpanded('s:sweep')).toBe(false);
      await waitFor(() => server.requests.some(r => r.group === undefined && r.parent === undefined), 'ungrouped');
      const reopened = new JournalModel({ api: server });
      expect(reopened.query.group).toBe(false);
      reopened.dispose();
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  });
});

describe('run table controls', () => {
  const noop = () => undefined;
  const row: ExperimentSummary = { ...summary(7), group: group('f:abc', 4, { kind: 'rerun', label: 'MLP', mean: 0.8125, std: 0.0206 }) };

  it('shows a re-run group with its count and spread; the arrow expands it', () => {
    const expanded: string[] = [];
    const opened: string[] = [];
    const tree = render(
      <ExperimentRow row={row} selected={false} onOpen={id => opened.push(id)} onToggle={noop}
        metricName="val_accuracy" onExpand={g => expanded.push(g.key)} />
    );
    const text = JSON.stringify(tree.toJSON());
    expect(text).toContain('×');
    expect(text).toContain('0.8125 ± 0.0206');
    const arrow = tree.root.find(node => node.props.className === 'jp-kepler-row-expand');
    act(() => arrow.props.onClick({ stopPropagation: noop }));
    expect(expanded).toEqual(['f:abc']);
    const item = tree.root.find(node => node.props.role === 'listitem');
    act(() => item.props.onClick());
    expect(opened).toEqual([row.id]); // a re-run group opens its newest run
  });

  it('a search\'s parent row expands on click instead of opening a run', () => {
    const expanded: string[] = [];
    const parent = { ...row, group: group('s:sweep', 12) };
    const tree = render(
      <ExperimentRow row={parent} selected={false} onOpen={noop} onToggle={noop} onExpand={g => expanded.push(g.key)} />
    );
    act(() => tree.root.find(node => node.props.role === 'listitem').props.onClick());
    expect(expanded).toEqual(['s:sweep']);
    expect(tree.root.findAll(node => node.props.className === 'jp-kepler-row-check')).toHaveLength(0);
  });

  it('sorts by a clicked header: the metric, a chosen column; the active one shows its order', () => {
    const sorted: string[] = [];
    const tree = render(
      <SortHeaders columns={['learning_rate']} metricName="val_accuracy" sort="field:learning_rate" order="asc"
        onSort={key => sorted.push(key)} />
    );
    const headers = tree.root.findAll(node => node.type === 'button');
    expect(headers.map(header => header.props['data-sort'])).toEqual(['name', 'metric', 'field:learning_rate', 'created']);
    expect(headers[2].props['aria-sort']).toBe('ascending');
    act(() => headers[1].props.onClick());
    act(() => headers[2].props.onClick());
    expect(sorted).toEqual(['metric', 'field:learning_rate']);
  });

  it('chooses, removes and reorders columns from the server\'s fields', () => {
    expect(moveColumn(['a', 'b', 'c'], 'c', -1)).toEqual(['a', 'c', 'b']);
    expect(moveColumn(['a', 'b'], 'a', -1)).toEqual(['a', 'b']);
    const catalogue = {
      metrics: ['val_accuracy', 'loss'], settings: ['learning_rate'], data: ['n_samples'], tags: ['x'],
      default: [], metric: { name: null, mode: 'max' as const, target: null, source: 'default' as const },
      project: { name: 'p', path: '.', has_journal: true }
    };
    expect(pickerSections(catalogue, 'acc')).toEqual([['Metrics', ['val_accuracy']]]);
    const changes: string[][] = [];
    const tree = render(
      <ColumnPicker columns={['loss', 'learning_rate']} catalogue={catalogue} onChange={c => changes.push(c)} onClose={noop} />
    );
    const button = (label: string) => tree.root.find(node => node.props['aria-label'] === label);
    act(() => button('Move learning_rate up').props.onClick());
    act(() => button('Remove loss').props.onClick());
    const box = tree.root.findAll(node => node.type === 'input' && node.props.type === 'checkbox')[0];
    act(() => box.props.onChange());
    expect(changes).toEqual([['learning_rate', 'loss'], ['learning_rate'], ['loss', 'learning_rate', 'val_accuracy']]);
  });
});
