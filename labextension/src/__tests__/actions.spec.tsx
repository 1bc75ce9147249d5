/**
 * @jest-environment jsdom
 */
/**
 * The detail view's actions and deep links: the pure pieces (links, tags, the edit sent, the
 * notebook cell found) and the components driven with an in-memory journal.
 */
import * as React from 'react';
import TestRenderer, { act, ReactTestRenderer } from 'react-test-renderer';

import {
  compareLink,
  DEEP_LINK_PATTERN,
  editFrom,
  experimentLink,
  findCellIndex,
  notesForm,
  parseDeepLink,
  parseTags
} from '../links';
import { JournalModel } from '../model';
import { attachmentName } from '../request';
import { ExperimentEdit, ExperimentRecord } from '../tokens';
import { ActionBar, DeletedNotice, IExperimentActions, NotesEditor } from '../widgets/ExperimentActions';
import { FakeJournalServer } from './fakeJournalServer';
import { textOf } from './testHelpers';

const record: ExperimentRecord = {
  id: 'abc123xyz0',
  name: 'wide',
  status: 'completed',
  notes: { hypothesis: 'wider helps', conclusion: null },
  tags: ['baseline'],
  source: { cell: 'model.fit(X, y, epochs=3)', notebook: '/root/nb/train.ipynb' }
};

/** An in-memory journal behind the actions, recording what was asked. */
class FakeActions implements IExperimentActions {
  stored: ExperimentRecord = { ...record };
  edits: ExperimentEdit[] = [];
  deleted = false;
  copied: string[] = [];
  opened: string[] = [];
  async edit(id: string, edit: ExperimentEdit): Promise<ExperimentRecord> {
    this.edits.push(edit);
    const { hypothesis, conclusion, tags, archived } = edit;
    this.stored = {
      ...this.stored,
      notes: {
        ...this.stored.notes,
        ...(hypothesis !== undefined ? { hypothesis } : {}),
        ...(conclusion !== undefined ? { conclusion } : {})
      },
      ...(tags ? { tags } : {}),
      ...(archived !== undefined ? { archived } : {})
    };
    return this.stored;
  }
  async remove(): Promise<void> {
    this.deleted = true;
  }
  async restore(): Promise<ExperimentRecord> {
    if (!this.deleted) {
      throw new Error('experiment is not deleted');
    }
    this.deleted = false;
    return this.stored;
  }
  async copy(text: string): Promise<void> {
    this.copied.push(text);
  }
  link(id: string): string {
    return experimentLink('http://lab.test/base/', id);
  }
  async openNotebook(path: string): Promise<string | null> {
    this.opened.push(path);
    return null;
  }
}

async function click(renderer: ReactTestRenderer, label: string): Promise<void> {
  const button = renderer.root
    .findAll(node => node.type === 'button')
    .find(node => JSON.stringify(node.props.children).includes(label));
  expect(button).toBeDefined();
  await act(async () => {
    button!.props.onClick?.({ preventDefault: () => undefined });
  });
}

describe('deep links', () => {
  it('round-trips an experiment and a comparison through the URL', () => {
    const one = experimentLink('http://lab.test/base', 'abc123xyz0', 'sub dir');
    expect(one).toBe('http://lab.test/base/lab?kepler=abc123xyz0&kepler-path=sub%20dir');
    expect(DEEP_LINK_PATTERN.test(one)).toBe(true);
    expect(parseDeepLink(new URL(one).search)).toEqual({ kind: 'experiment', ids: ['abc123xyz0'], path: 'sub dir' });
    const two = compareLink('http://lab.test/', ['a1', 'b2', 'a1']);
    expect(two).toBe('http://lab.test/lab?kepler-compare=a1,b2,a1');
    expect(parseDeepLink(new URL(two).search)).toEqual({ kind: 'compare', ids: ['a1', 'b2'], path: '' });
  });

  it('ignores pages that ask for nothing', () => {
    expect(parseDeepLink('')).toBeNull();
    expect(parseDeepLink('?reset')).toBeNull();
    expect(parseDeepLink('?kepler=')).toBeNull();
    expect(DEEP_LINK_PATTERN.test('/lab/tree/kepler.ipynb')).toBe(false);
    // one id is not a comparison: it opens that experiment if also named, else nothing
    expect(parseDeepLink('?kepler-compare=a1')).toBeNull();
  });
});

describe('notes and tags', () => {
  it('splits tags on commas and spaces and bounds them as the server does', () => {
    expect(parseTags(' baseline, wide  v2,baseline ')).toEqual({ tags: ['baseline', 'wide', 'v2'] });
    expect(parseTags('')).toEqual({ tags: [] });
    expect('error' in parseTags('x'.repeat(65))).toBe(true);
  });

  it('sends only what the form changed', () => {
    const form = notesForm(record);
    expect(editFrom(record, form)).toBeNull();
    expect(editFrom(record, { ...form, conclusion: ' it did  ' })).toEqual({ conclusion: 'it did' });
    expect(editFrom(record, { ...form, tags: ['baseline', 'keep'] })).toEqual({ tags: ['baseline', 'keep'] });
    expect(editFrom(record, { ...form, hypothesis: '' })).toEqual({ hypothesis: '' });
  });

  it('finds the cell a run came from', () => {
    const cells = ['import numpy', '%%kepler fit --tag x\nmodel.fit(X, y, epochs=3)\n', 'model.fit(X, y, epochs=3)  # again']
      .map((source, i) => ({ id: `cell-${i}`, source }));
    const code = 'model.fit(X, y, epochs=3)';
    expect(findCellIndex(cells, { cell: code })).toBe(1);
    // the recorded cell id wins over the code (the same code may sit in two cells)
    expect(findCellIndex(cells, { cell: code, cell_id: 'cell-2' })).toBe(2);
    expect(findCellIndex(cells, { cell: code, cell_id: 'gone' })).toBe(1);
    expect(findCellIndex([{ source: 'a' }, { source: 'b\r\nmodel.fit(X, y)' }], { cell: 'model.fit(X, y)' })).toBe(1);
    expect(findCellIndex(cells, { cell: 'something else' })).toBe(-1);
    expect(findCellIndex(cells, null)).toBe(-1);
  });

  it('reads the CSV file name from the reply', () => {
    expect(attachmentName('attachment; filename="kepler-p-20260101.csv"', 'x.csv')).toBe('kepler-p-20260101.csv');
    expect(attachmentName(null, 'x.csv')).toBe('x.csv');
  });
});

describe('the detail view actions', () => {
  it('edits the conclusion and tags and shows what was stored', async () => {
    const actions = new FakeActions();
    let saved: ExperimentRecord | null = null;
    let renderer!: ReactTestRenderer;
    await act(async () => {
      renderer = TestRenderer.create(
        <NotesEditor record={record} actions={actions} onSaved={r => (saved = r)} onCancel={() => undefined} />
      );
    });
    const conclusion = renderer.root.findByProps({ name: 'conclusion' });
    const tags = renderer.root.findByProps({ name: 'tags' });
    await act(async () => {
      conclusion.props.onChange({ target: { value: 'wider did not help' } });
      tags.props.onChange({ target: { value: 'baseline, rejected' } });
    });
    await act(async () => {
      renderer.root.findByType('form').props.onSubmit({ preventDefault: () => undefined });
    });
    expect(actions.edits).toEqual([{ conclusion: 'wider did not help', tags: ['baseline', 'rejected'] }]);
    expect(saved!.notes?.conclusion).toBe('wider did not help');
    expect(saved!.notes?.hypothesis).toBe('wider helps');
  });

  it('refuses a bad tag before asking the server', async () => {
    const actions = new FakeActions();
    let renderer!: ReactTestRenderer;
    await act(async () => {
      renderer = TestRenderer.create(
        <NotesEditor record={record} actions={actions} onSaved={() => undefined} onCancel={() => undefined} />
      );
    });
    await act(async () => {
      renderer.root.findByProps({ name: 'tags' }).props.onChange({ target: { value: 'y'.repeat(70) } });
    });
    await act(async () => {
      renderer.root.findByType('form').props.onSubmit({ preventDefault: () => undefined });
    });
    expect(actions.edits).toEqual([]);
    expect(textOf(renderer, '')).toContain('at most 64 characters');
  });

  it('copies the id and a deep link, archives, deletes and undoes', async () => {
    const actions = new FakeActions();
    let current: ExperimentRecord = record;
    let deleted = false;
    let renderer!: ReactTestRenderer;
    const view = (): JSX.Element => (
      <ActionBar record={current} notebookPath="nb/train.ipynb" actions={actions} onEdit={() => undefined}
        onRecord={r => (current = r)} onDeleted={() => (deleted = true)} />
    );
    await act(async () => {
      renderer = TestRenderer.create(view());
    });
    await click(renderer, 'Copy id');
    await click(renderer, 'Copy link');
    expect(actions.copied).toEqual(['abc123xyz0', 'http://lab.test/base/lab?kepler=abc123xyz0']);
    expect(textOf(renderer, '')).toContain('Link copied: http://lab.test/base/lab?kepler=abc123xyz0');
    await click(renderer, 'Open notebook');
    expect(actions.opened).toEqual(['nb/train.ipynb']);
    await click(renderer, 'Archive');
    expect(actions.edits).toEqual([{ archived: true }]);
    expect(current.archived).toBe(true);
    await act(async () => renderer.update(view()));
    expect(textOf(renderer, '')).toContain('Unarchive');
    await click(renderer, 'Delete');
    expect(actions.deleted && deleted).toBe(true);

    let restored: ExperimentRecord | null = null;
    await act(async () => {
      renderer = TestRenderer.create(<DeletedNotice id={record.id} actions={actions} onRestored={r => (restored = r)} />);
    });
    expect(textOf(renderer, '')).toContain(`Experiment ${record.id} was deleted.`);
    await click(renderer, 'Undo');
    expect(actions.deleted).toBe(false);
    expect(restored!.id).toBe(record.id);
  });
});

describe('the list model', () => {
  it('asks for archived runs only when shown, and exports the view without paging', async () => {
    const server = new FakeJournalServer(3);
    const model = new JournalModel({ api: server, pollInterval: 60_000 });
    model.setVisible(true);
    await model.refresh();
    model.setQuery({ q: 'val_accuracy>0.5', sort: 'field:epochs' as never, columns: ['epochs'] });
    expect(model.exportParams()).toEqual({
      sort: 'field:epochs', order: null, q: 'val_accuracy>0.5', tag: '', status: '', path: '', columns: 'epochs'
    });
    expect(server.requests.every(request => !('archived' in request))).toBe(true);
    model.setQuery({ archived: 'show' });
    await model.refresh();
    expect(server.requests[server.requests.length - 1].archived).toBe('show');
    expect(model.exportParams().archived).toBe('show');
    model.dispose();
  });
});
