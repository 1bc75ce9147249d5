/**
 * @jest-environment jsdom
 */
/**
 * Hostile records in the detail and comparison views: wrong-typed fields are shown as a
 * damaged record, and a view that still fails shows a message, never a blank tab.
 */
import * as React from 'react';
import { act } from 'react-test-renderer';

import { normalizeRecord } from '../records';
import { ExperimentSummary } from '../schema';
import { Comparison, ExperimentDetail } from '../tokens';
import { ComparisonView } from '../widgets/CompareView';
import { ErrorBoundary } from '../widgets/ErrorBoundary';
import { ExperimentDetailView } from '../widgets/ExperimentView';
import { ExperimentRow, parseColumns } from '../widgets/JournalPanel';
import { render, textOf } from './testHelpers';

const metric = { name: 'val_loss', mode: 'min', target: null, source: 'default' } as const;
const project = { name: 'p', path: '.', has_journal: true };

function good(id: string): Record<string, unknown> {
  return {
    id,
    name: `run ${id}`,
    status: 'completed',
    created: '2025-01-01T00:00:00Z',
    history: { loss: [1, 0.5, 0.25], val_loss: [1.1, null, 0.3] },
    metrics: { val_loss: 0.3 },
    tags: ['baseline'],
    notes: { hypothesis: 'wider is better' },
    findings: [{ code: 'K101', severity: 'warning', message: 'small batch' }]
  };
}

const HOSTILE: [string, Record<string, unknown>][] = [
  ['history of text', { history: { loss: 'abc', val_loss: [0.1, 'x', 0.2] } }],
  ['history not an object', { history: 'abc' }],
  ['tags not a list', { tags: 'abc' }],
  ['tags of objects', { tags: [{ a: 1 }, 3, 'ok', 'ok'] }],
  ['name an object', { name: { first: 'x' } }],
  ['name a number', { name: 12345 }],
  ['id a number', { id: 42 }],
  ['notes text', { notes: 'abc' }],
  ['notes of numbers', { notes: { hypothesis: 3, conclusion: ['x'] } }],
  ['findings text', { findings: 'abc' }],
  ['findings of text', { findings: ['abc', { code: 5, severity: null }] }],
  ['metrics a list', { metrics: [1, 2] }],
  ['model text', { model: 'abc' }],
  ['source text', { source: 'abc' }],
  ['duration text', { duration_s: 'abc' }],
  ['status a list', { status: ['x'] }],
  ['created a number', { created: 12345 }],
  ['error text', { error: 'boom' }],
  ['stop_reason an object', { stop_reason: { a: 1 } }]
];

describe('normalizeRecord', () => {
  it('keeps a well-formed record as it is, with no problems', () => {
    const { record, problems } = normalizeRecord(good('a1'));
    expect(problems).toEqual([]);
    expect(record).toEqual(good('a1'));
  });

  it.each(HOSTILE)('turns %s into missing fields and says so', (_, fields) => {
    const { record, problems } = normalizeRecord({ ...good('b2'), ...fields });
    expect(problems.length).toBeGreaterThan(0);
    for (const key of Object.keys(fields)) {
      expect(problems.join('\n')).toContain(key);
    }
    expect(typeof record.id).toBe('string');
    expect(typeof record.status).toBe('string');
    expect(record.tags === undefined || record.tags!.every(tag => typeof tag === 'string')).toBe(true);
    for (const values of Object.values(record.history ?? {})) {
      expect(Array.isArray(values)).toBe(true);
    }
  });

  it('passes on the reasons the server gave', () => {
    const { problems } = normalizeRecord({ ...good('c3'), damaged: ['metrics was a str'] });
    expect(problems).toEqual(['metrics was a str']);
  });

  it('reads a record that is not an object at all', () => {
    for (const raw of [null, 'abc', 12, [1, 2]]) {
      const { record, problems } = normalizeRecord(raw);
      expect(record.id).toBe('?');
      expect(problems[0]).toMatch(/not an object/);
    }
  });
});

describe('views of hostile records', () => {
  let consoleError: jest.SpyInstance;
  beforeEach(() => {
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => consoleError.mockRestore());

  it.each(HOSTILE)('the detail view of a record with %s shows it as damaged', (_, fields) => {
    const detail = { experiment: { ...good('d4'), ...fields }, metric, project } as unknown as ExperimentDetail;
    const text = textOf(render(<ExperimentDetailView detail={detail} />));
    expect(text).toContain('Damaged record');
    expect(text).toContain('Findings');
  });

  it('the detail view of a well-formed record shows no damage and its curves', () => {
    const detail = { experiment: good('e5'), metric, project } as unknown as ExperimentDetail;
    const text = textOf(render(<ExperimentDetailView detail={detail} />));
    expect(text).not.toContain('Damaged');
    expect(text).toContain('run e5');
    expect(text).toContain('wider is better');
  });

  it.each(HOSTILE)('the comparison of a record with %s and a good one renders', (_, fields) => {
    const comparison = {
      experiments: [{ ...good('f6'), ...fields }, good('g7')],
      settings: [{ key: 'params.epochs', values: [1, 2], differs: true }],
      differing: ['params.epochs'],
      metric,
      project
    } as unknown as Comparison;
    const text = textOf(render(<ComparisonView comparison={comparison} />));
    expect(text).toContain('Damaged record');
    expect(text).toContain('run g7');
  });

  it('a view that throws shows a message in place of a blank tab', () => {
    function Broken(): JSX.Element {
      const values = 'abc' as unknown as number[];
      return <div>{values.filter(v => v > 0).length}</div>;
    }
    const text = textOf(
      render(
        <ErrorBoundary what="experiment x1">
          <Broken />
        </ErrorBoundary>
      )
    );
    expect(text).toContain('Kepler could not show');
    expect(text).toContain('experiment x1');
    expect(text).toContain('filter is not a function');
  });

  it('user text stays text: markup in names is not turned into elements', () => {
    const name = '<a href="https://evil.example">Open the fixed notebook</a>';
    const detail = { experiment: { ...good('h8'), name }, metric, project } as unknown as ExperimentDetail;
    const tree = render(<ExperimentDetailView detail={detail} />);
    expect(tree.root.findAll(node => node.type === 'a')).toHaveLength(0);
    expect(textOf(tree)).toContain(name);
  });
});

describe('list rows', () => {
  const row: ExperimentSummary = {
    id: 'r1', name: 'row one', created: null, status: 'completed', framework: 'keras',
    model_class: null, n_params: null, settings: {}, metric_value: null, n_errors: 0,
    n_warnings: 0, tags: [], duration_s: null, hypothesis: null
  };
  const noop = () => undefined;

  it('marks a damaged record and says why on hover', () => {
    const damaged = { ...row, damaged: ['metrics was a str, not an object'] };
    const tree = render(<ExperimentRow row={damaged} selected={false} onOpen={noop} onToggle={noop} />);
    const marker = tree.root.find(node => node.props.className === 'jp-kepler-count jp-kepler-count-damaged');
    expect(marker.props.title).toContain('metrics was a str');
  });

  it('shows no marker on a well-formed record', () => {
    const tree = render(<ExperimentRow row={row} selected={false} onOpen={noop} onToggle={noop} />);
    expect(textOf(tree)).not.toContain('damaged');
  });

  it('labels every number and shows the chosen columns and tags', () => {
    const tagged: typeof row & { columns: Record<string, string | number | null> } = {
      ...row, metric_value: 0.9512, tags: ['baseline', 'wide'],
      columns: { learning_rate: 0.001, optimizer: 'Adam', n_samples: null }
    };
    const picked: string[] = [];
    const tree = render(
      <ExperimentRow row={tagged} selected={false} onOpen={noop} onToggle={noop}
        metricName="val_accuracy" columns={['learning_rate', 'optimizer', 'n_samples']}
        onTag={tag => picked.push(tag)} />
    );
    const text = textOf(tree);
    expect(text).toContain('val_accuracy');
    const cells = tree.root.findAll(node => node.props.className === 'jp-kepler-cell');
    expect(cells.map(cell => cell.props['data-column'])).toEqual(['learning_rate', 'optimizer', 'n_samples']);
    expect(cells.map(cell => cell.props.title)).toEqual(['learning_rate: 0.001', 'optimizer: Adam', 'n_samples: —']);
    const tags = tree.root.findAll(node => node.props.className === 'jp-kepler-tag');
    expect(tags.map(tag => tag.props.children)).toEqual(['baseline', 'wide']);
    act(() => tags[1].props.onClick({ stopPropagation: noop }));
    expect(picked).toEqual(['wide']); // a tag on a row is a quick filter
  });

  it('reads a column list however it is typed', () => {
    expect(parseColumns(' val_accuracy, learning_rate  params.optimizer,,val_accuracy bad!')).toEqual(
      ['val_accuracy', 'learning_rate', 'params.optimizer']);
  });
});
