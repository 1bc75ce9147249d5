/**
 * An in-memory stand-in for the kepler server routes, for model tests: it filters, sorts and
 * pages like the Python server does (for the fields the tests use), records every request,
 * and can hold answers back to test races. The real server has its own tests (tests/server/).
 */
import { IKeplerApi, IListParams, KeplerApiError } from '../request';
import {
  ColumnCatalogue,
  Comparison,
  ExperimentDetail,
  ExperimentList,
  ExperimentSummary,
  PACKAGE_VERSION,
  SCHEMA_VERSION,
  VersionInfo
} from '../tokens';

export function summary(index: number, overrides: Partial<ExperimentSummary> = {}): ExperimentSummary {
  return {
    id: `exp${String(index).padStart(5, '0')}`,
    name: `experiment ${index}`,
    created: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
    status: index % 4 === 0 ? 'failed' : 'completed',
    framework: 'keras',
    model_class: 'Sequential',
    n_params: 100 + index,
    settings: { epochs: 3, batch_size: 32 },
    metric_value: (index % 10) / 10,
    n_errors: index % 4 === 0 ? 1 : 0,
    n_warnings: index % 3 === 0 ? 1 : 0,
    tags: index % 2 === 0 ? ['even'] : ['odd'],
    duration_s: 1,
    hypothesis: null,
    ...overrides
  };
}

export class FakeJournalServer implements IKeplerApi {
  rows: ExperimentSummary[];
  requests: IListParams[] = [];
  versionInfo: VersionInfo = { name: 'kepler_jupyter', version: PACKAGE_VERSION, schema_version: SCHEMA_VERSION };
  revision = 1;
  /** When set, list answers wait until `release()` is called. */
  holdAnswers = false;
  failNext: KeplerApiError | null = null;
  /** What `columns()` offers as the project's default table columns. */
  defaultColumns: string[] = [];
  columnRequests: string[] = [];
  /** A group's members by key, answered to `?parent=KEY` (rows carry their `group`). */
  members: Record<string, ExperimentSummary[]> = {};

  constructor(count: number) {
    this.rows = Array.from({ length: count }, (_, i) => summary(i));
  }

  /** A new experiment lands in the journal (another kernel finished a fit). */
  addExperiment(row: ExperimentSummary): void {
    this.rows.push(row);
    this.revision++;
  }

  /** Let held answers go, newest first: a stale answer then arrives after a fresh one. */
  async releaseNewestFirst(): Promise<void> {
    const waiting = this._held.reverse();
    this._held = [];
    for (const resolve of waiting) {
      resolve();
      await new Promise(settled => setTimeout(settled, 5));
    }
  }

  async version(): Promise<VersionInfo> {
    return this.versionInfo;
  }

  async listExperiments(params: IListParams): Promise<ExperimentList> {
    this.requests.push({ ...params });
    const revision = String(this.revision);
    const source = params.parent !== undefined ? (this.members[params.parent] ?? []) : this.rows;
    let rows = source.filter(row => {
      const text = `${row.name} ${row.model_class} ${row.tags.join(' ')}`.toLowerCase();
      return (
        (!params.q || params.q.toLowerCase().split(/\s+/).every(term => text.includes(term))) &&
        (!params.status || params.status.split(',').includes(row.status)) &&
        (!params.tag || row.tags.includes(params.tag))
      );
    });
    const sort = params.sort ?? 'created';
    const order = params.order ?? (sort === 'name' ? 'asc' : 'desc');
    const key = (row: ExperimentSummary): string | number =>
      sort === 'name' ? (row.name ?? '') : sort === 'metric' ? (row.metric_value ?? -1) : (row.created ?? '');
    rows = [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (order === 'desc') {
      rows.reverse();
    }
    if (this.holdAnswers) {
      await new Promise<void>(resolve => this._held.push(resolve));
    }
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    return {
      total: rows.length,
      offset: params.offset,
      limit: params.limit,
      sort,
      order,
      items: rows.slice(params.offset, params.offset + params.limit),
      metric: { name: 'val_accuracy', mode: 'max', target: null, source: 'default' },
      project: { name: 'root', path: params.path || '.', has_journal: true },
      revision
    };
  }

  async getExperiment(): Promise<ExperimentDetail> {
    throw new KeplerApiError('not used by the model', 500);
  }

  async columns(path?: string): Promise<ColumnCatalogue> {
    this.columnRequests.push(path ?? '');
    return {
      metrics: ['val_accuracy'], settings: ['learning_rate'], data: [], tags: [],
      default: this.defaultColumns,
      metric: { name: 'val_accuracy', mode: 'max', target: null, source: 'default' },
      project: { name: 'root', path: path || '.', has_journal: true }
    };
  }

  async compare(): Promise<Comparison> {
    throw new KeplerApiError('not used by the model', 500);
  }

  private _held: (() => void)[] = [];
}
