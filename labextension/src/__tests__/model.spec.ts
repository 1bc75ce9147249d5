import { JournalModel } from '../model';
import { KeplerApiError } from '../request';
import { SCHEMA_VERSION } from '../tokens';
import { FakeJournalServer, summary } from './fakeJournalServer';
import { waitFor } from './testHelpers';

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function names(model: JournalModel, count: number): (string | null | undefined)[] {
  return Array.from({ length: count }, (_, i) => model.rowAt(i)?.name);
}

describe('JournalModel', () => {
  let server: FakeJournalServer;
  let model: JournalModel;

  beforeEach(() => {
    server = new FakeJournalServer(250);
    model = new JournalModel({ api: server, pageSize: 50, pollInterval: 20 });
  });

  afterEach(() => model.dispose());

  it('loads the first page, newest first, once shown', async () => {
    expect(server.requests).toHaveLength(0); // nothing while hidden
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    expect(model.total).toBe(250);
    expect(names(model, 2)).toEqual(['experiment 249', 'experiment 248']);
    expect(model.rowAt(60)).toBeUndefined(); // page 2 not fetched yet
    expect(model.metric?.name).toBe('val_accuracy');
    expect(model.handshake?.status).toBe('ok');
  });

  it('fetches only the missing pages of a visible range, each once', async () => {
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    model.setVisible(false); // no polling noise in the request log
    server.requests = [];
    model.ensureRange(40, 130);
    model.ensureRange(45, 135); // the same pages again while they load
    await waitFor(() => model.rowAt(130) !== undefined, 'pages 1 and 2');
    expect(server.requests.map(r => r.offset).sort((a, b) => a - b)).toEqual([50, 100]);
    expect(model.rowAt(130)?.name).toBe('experiment 119');
  });

  it('sorts: a new key asks the server for its natural order, the same key flips it', async () => {
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    model.sortBy('name');
    await waitFor(() => model.query.sort === 'name' && model.rowAt(0) !== undefined, 'name sort');
    const byName = server.requests[server.requests.length - 1];
    expect([byName.sort, byName.order, byName.offset]).toEqual(['name', null, 0]);
    expect(model.order).toBe('asc');
    expect(model.rowAt(0)?.name).toBe('experiment 0');

    model.sortBy('name');
    await waitFor(() => model.rowAt(0)?.name === 'experiment 99', 'descending names');
    expect(server.requests[server.requests.length - 1].order).toBe('desc');
    expect(model.order).toBe('desc');
  });

  it('filters: search, status and tag go to the server and restart from the first row', async () => {
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    model.setQuery({ q: 'experiment 24', status: 'completed' });
    expect(model.rowAt(0)).toBeUndefined(); // old rows are dropped at once
    await waitFor(() => model.rowAt(0) !== undefined, 'filtered page');
    const request = server.requests[server.requests.length - 1];
    expect([request.q, request.status, request.offset]).toEqual(['experiment 24', 'completed', 0]);
    // experiment 24 and 240..249 match the text; of those, 24, 240, 244 and 248 failed.
    expect(model.total).toBe(7);
    expect(names(model, 7).every(name => name?.startsWith('experiment 24'))).toBe(true);

    model.setQuery({ q: '', status: '', tag: 'odd' });
    await waitFor(() => model.total === 125, 'tag filter');
    expect(model.rowAt(0)?.tags).toEqual(['odd']);
  });

  it('ignores an answer to a query that was replaced meanwhile', async () => {
    // No poll during the test: a poll would repair a wrong page and hide the bug.
    const slowPolling = new JournalModel({ api: server, pageSize: 50, pollInterval: 60000 });
    slowPolling.setVisible(true);
    await waitFor(() => slowPolling.rowAt(0) !== undefined, 'first page');
    server.holdAnswers = true;
    slowPolling.setQuery({ q: 'even' });
    slowPolling.setQuery({ q: 'odd' });
    server.holdAnswers = false;
    await server.releaseNewestFirst(); // the answer for 'even' arrives last
    await sleep(20);
    const rows = Array.from({ length: 50 }, (_, i) => slowPolling.rowAt(i));
    expect(rows.every(row => row?.tags[0] === 'odd')).toBe(true);
    slowPolling.dispose();
  });

  it('shows a new experiment from another kernel without a manual refresh', async () => {
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    const revision = model.revision;
    server.addExperiment(summary(999, { name: 'just finished', created: '2030-01-01T00:00:00Z' }));
    await waitFor(() => model.rowAt(0)?.name === 'just finished', 'new experiment');
    expect(model.total).toBe(251);
    expect(model.revision).not.toBe(revision);
  });

  it('stops polling while hidden and resumes when shown again', async () => {
    model.setVisible(true);
    await waitFor(() => server.requests.length >= 4, 'a few polls');
    model.setVisible(false);
    await sleep(30); // let a poll already in flight finish
    const whileHidden = server.requests.length;
    server.addExperiment(summary(500, { name: 'landed while hidden', created: '2030-01-01T00:00:00Z' }));
    await sleep(200); // ten poll intervals
    expect(server.requests.length).toBe(whileHidden);
    expect(model.rowAt(0)?.name).not.toBe('landed while hidden');

    model.setVisible(true);
    await waitFor(() => model.rowAt(0)?.name === 'landed while hidden', 'poll after showing');
    expect(server.requests.length).toBeGreaterThan(whileHidden);
  });

  it('polls with one-row requests and reloads pages only when the journal changed', async () => {
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    server.requests = [];
    await sleep(120);
    expect(server.requests.length).toBeGreaterThan(2);
    expect(server.requests.every(request => request.limit === 1)).toBe(true);
  });

  it('follows the active notebook folder and clears the selection', async () => {
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    model.toggleSelected('exp00001');
    model.toggleSelected('exp00002');
    model.toggleSelected('exp00001');
    expect(model.selectedIds).toEqual(['exp00002']);
    model.setProjectPath('sub/folder');
    expect(model.selectedIds).toEqual([]);
    await waitFor(() => model.project?.path === 'sub/folder', 'project of the folder');
    expect(server.requests[server.requests.length - 1].path).toBe('sub/folder');
  });

  it('refuses to show data from a server speaking another schema, and says why', async () => {
    server.versionInfo = { name: 'kepler_jupyter', version: '9.9.9', schema_version: SCHEMA_VERSION + 1 };
    model.setVisible(true);
    await waitFor(() => model.handshake !== null, 'handshake');
    await sleep(60);
    expect(model.handshake?.status).toBe('incompatible');
    expect(model.handshake?.message).toContain('Reinstall kepler_jupyter');
    expect(server.requests).toHaveLength(0);
  });

  it('reports a failed request and recovers on the next poll', async () => {
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    server.failNext = new KeplerApiError('Could not read the Kepler journal: disk on fire', 500);
    await waitFor(() => model.error !== null, 'error');
    expect(model.error).toContain('disk on fire');
    await waitFor(() => model.error === null, 'recovery');
  });
});

describe('JournalModel table choice', () => {
  // jest runs in node, which has no browser storage: a minimal Storage stands in for it.
  beforeEach(() => {
    const store = new Map<string, string>();
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (key: string) => store.get(key) ?? null,
      setItem: (key: string, value: string) => void store.set(key, value),
      clear: () => store.clear()
    };
  });
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage;
  });

  it('asks the server for the chosen columns and sort, and keeps them per project', async () => {
    const server = new FakeJournalServer(5);
    const model = new JournalModel({ api: server, pageSize: 50, pollInterval: 20 });
    model.setVisible(true);
    await waitFor(() => model.rowAt(0) !== undefined, 'first page');
    model.setQuery({ columns: ['val_accuracy', 'learning_rate'] });
    model.sortBy('field:learning_rate');
    await waitFor(() => server.requests.some(r => r.sort === 'field:learning_rate'), 'sorted request');
    const last = server.requests[server.requests.length - 1];
    expect(last.columns).toBe('val_accuracy,learning_rate');
    model.setProjectPath('other');
    expect(model.query.columns).toEqual([]); // another project: its own (default) table
    expect(model.query.sort).toBe('created');
    model.setProjectPath('');
    expect(model.query.columns).toEqual(['val_accuracy', 'learning_rate']);
    expect(model.query.sort).toBe('field:learning_rate');
    model.dispose();
    const reopened = new JournalModel({ api: server, pageSize: 50, pollInterval: 20 });
    expect(reopened.query.columns).toEqual(['val_accuracy', 'learning_rate']); // after a reload
    reopened.dispose();
  });

  it("shows the project's default columns until the user picks some", async () => {
    const server = new FakeJournalServer(3);
    server.defaultColumns = ['val_accuracy', 'learning_rate'];
    const model = new JournalModel({ api: server, pageSize: 50, pollInterval: 20 });
    model.setVisible(true);
    await waitFor(() => model.query.columns.length === 2, 'default columns');
    await waitFor(() => server.requests.some(r => r.columns === 'val_accuracy,learning_rate'), 'request');
    model.setQuery({ columns: ['loss'] });
    model.setProjectPath('elsewhere');
    model.setProjectPath('');
    expect(model.query.columns).toEqual(['loss']); // the user's choice wins over the defaults
    model.dispose();
  });

  it('ignores a damaged saved choice', () => {
    localStorage.setItem('kepler:table:', '{"columns": [3], "sort": 7');
    const model = new JournalModel({ api: new FakeJournalServer(1) });
    expect(model.query.columns).toEqual([]);
    model.dispose();
  });
});
