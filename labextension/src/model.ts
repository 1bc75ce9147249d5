/**
 * The experiment list's state: query (search, filters, sort), the pages loaded so far, the
 * selection, and the polling that notices new experiments while the panel is visible.
 *
 * Only the pages the list scrolls to are fetched (the server filters and sorts), so 10,000
 * experiments cost no more than a hundred. Polling asks for one row and compares the journal's
 * revision; it reloads the visible pages only when that changed, and it stops whenever the
 * panel is hidden.
 */
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { CHILD_LIMIT, DisplayRow, IExpansion, displayAt, displayCount, topRange } from './groups';
import { handshake, IHandshake } from './handshake';
import { IKeplerApi, IListParams, KeplerApiError } from './request';
import {
  ColumnCatalogue, ExperimentList, ExperimentSummary, MetricInfo, ProjectInfo, SortKey
} from './tokens';

/** What the list shows; every field maps to a query parameter of the list route. */
export interface IJournalQuery {
  q: string;
  sort: SortKey;
  /** null: the server's natural order for the sort key (newest / best / A-Z first). */
  order: 'asc' | 'desc' | null;
  tag: string;
  status: string;
  /** Table columns: any metric, setting or data field, named as `%kepler search` names it. */
  columns: string[];
  /** Archived runs: hidden (default), listed with the others, or the only ones listed. */
  archived: 'hide' | 'show' | 'only';
  /** Re-runs collapsed into one row, searches' points and cell loops under parent rows. */
  group: boolean;
}

export const DEFAULT_QUERY: IJournalQuery = {
  q: '',
  sort: 'created',
  order: null,
  tag: '',
  status: '',
  columns: [],
  archived: 'hide',
  group: true
};

/** The part of the query kept per project (in the browser's localStorage). */
type TableChoice = Pick<IJournalQuery, 'columns' | 'sort' | 'order' | 'group'>;

const STORAGE_PREFIX = 'kepler:table:';

/** The columns and sort saved for the project at `path`, if any. */
export function loadTableChoice(path: string): Partial<TableChoice> {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(STORAGE_PREFIX + path) ?? 'null');
    if (!saved || typeof saved !== 'object') {
      return {};
    }
    const choice: Partial<TableChoice> = {};
    if (Array.isArray(saved.columns) && saved.columns.every((key: unknown) => typeof key === 'string')) {
      choice.columns = saved.columns;
    }
    if (typeof saved.sort === 'string') {
      choice.sort = saved.sort;
    }
    if (saved.order === 'asc' || saved.order === 'desc' || saved.order === null) {
      choice.order = saved.order;
    }
    if (typeof saved.group === 'boolean') {
      choice.group = saved.group;
    }
    return choice;
  } catch {
    return {}; // storage disabled or a damaged entry: the defaults serve
  }
}

function saveTableChoice(path: string, query: IJournalQuery): void {
  const { columns, sort, order, group } = query;
  try {
    globalThis.localStorage?.setItem(STORAGE_PREFIX + path, JSON.stringify({ columns, sort, order, group }));
  } catch {
    // storage full or disabled: the choice lasts for this page only
  }
}

export namespace JournalModel {
  export interface IOptions {
    api: IKeplerApi;
    /** Rows per request. */
    pageSize?: number;
    /** Milliseconds between checks for new experiments while visible. */
    pollInterval?: number;
  }
}

export class JournalModel implements IDisposable {
  constructor(options: JournalModel.IOptions) {
    this._api = options.api;
    this._pageSize = options.pageSize ?? 100;
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: { interval: options.pollInterval ?? 3000, backoff: false },
      name: 'kepler:journal',
      // The browser tab in the background: no requests either.
      standby: 'when-hidden'
    });
  }

  /** Emitted whenever anything the panel shows changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get query(): Readonly<IJournalQuery> {
    return this._query;
  }
  /** The order the server applied (resolves `order: null`). */
  get order(): 'asc' | 'desc' {
    return this._order;
  }
  get total(): number {
    return this._total;
  }
  /** With groups: the experiments the rows stand for (null without groups). */
  get experiments(): number | null {
    return this._experiments;
  }
  get revision(): string | null {
    return this._revision;
  }
  get metric(): MetricInfo | null {
    return this._metric;
  }
  get project(): ProjectInfo | null {
    return this._project;
  }
  /** Folder (relative to the server root) whose project the list shows. */
  get projectPath(): string {
    return this._projectPath;
  }
  get handshake(): IHandshake | null {
    return this._handshake;
  }
  get error(): string | null {
    return this._error;
  }
  get loading(): boolean {
    return this._pending.size > 0;
  }
  get visible(): boolean {
    return this._visible;
  }
  get selectedIds(): readonly string[] {
    return this._selected;
  }
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The row at `index` in the current order, or undefined while its page loads. */
  rowAt(index: number): ExperimentSummary | undefined {
    const page = this._pages.get(Math.floor(index / this._pageSize));
    return page?.[index % this._pageSize];
  }

  /** The tags of the runs loaded so far, most frequent first. */
  loadedTags(): string[] {
    const counts = new Map<string, number>();
    for (const rows of this._pages.values()) {
      for (const row of rows) {
        for (const tag of row.tags) {
          counts.set(tag, (counts.get(tag) ?? 0) + 1);
        }
      }
    }
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([tag]) => tag);
  }

  /** Fetch the pages holding rows `start`..`end` (inclusive) that are not loaded yet. */
  ensureRange(start: number, end: number): void {
    this._range = [Math.max(0, start), Math.max(0, end)];
    const last = this._total > 0 ? Math.min(end, this._total - 1) : 0;
    for (let page = Math.floor(Math.max(0, start) / this._pageSize); page <= Math.floor(last / this._pageSize); page++) {
      if (!this._pages.has(page) && !this._pending.has(page)) {
        void this._loadPage(page, this._generation);
      }
    }
  }

  /** Change the search, filters or sort; the list starts again from its first row. */
  setQuery(patch: Partial<IJournalQuery>): void {
    const next = { ...this._query, ...patch };
    if (JSON.stringify(next) === JSON.stringify(this._query)) {
      return;
    }
    this._query = next;
    if ('columns' in patch || 'sort' in patch || 'order' in patch || 'group' in patch) {
      saveTableChoice(this._projectPath, next);
    }
    this._restart();
  }

  /** Sort by `key`; asking for the current key again flips the order. */
  sortBy(key: SortKey): void {
    if (key === this._query.sort) {
      this.setQuery({ order: this._order === 'asc' ? 'desc' : 'asc' });
    } else {
      this.setQuery({ sort: key, order: null });
    }
  }

  /** Show the project of another folder (the active notebook's). */
  setProjectPath(path: string): void {
    if (path === this._projectPath) {
      return;
    }
    this._projectPath = path;
    this._selected = [];
    this._query = {
      ...this._query, columns: [], sort: 'created', order: null, group: true, ...loadTableChoice(path)
    };
    this._catalogue = null;
    this._restart();
    this._applyDefaultColumns();
  }

  isSelected(id: string): boolean {
    return this._selected.includes(id);
  }
  toggleSelected(id: string): void {
    this._selected = this.isSelected(id)
      ? this._selected.filter(selected => selected !== id)
      : [...this._selected, id];
    this._changed.emit();
  }
  clearSelection(): void {
    this._selected = [];
    this._changed.emit();
  }

  /**
   * The panel was shown or hidden: poll (and load) only while it is visible.
   */
  setVisible(visible: boolean): void {
    if (visible === this._visible || this._isDisposed) {
      return;
    }
    this._visible = visible;
    if (visible) {
      void this._poll.start();
    } else {
      void this._poll.stop();
    }
  }

  /** Check for changes now (the refresh button, or after a notebook ran a fit). */
  async refresh(): Promise<void> {
    await this._tick(true);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    // Poll.dispose() leaves its pending timer running; stopping first clears it.
    void this._poll.stop();
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** The list's view (filter, sort, columns) without paging: what a CSV export asks for
   * (one line per run: never grouped). */
  exportParams(): Omit<IListParams, 'offset' | 'limit'> {
    const { offset: _offset, limit: _limit, group: _group, ...view } = this._params(0, 1);
    return view;
  }

  private _params(offset: number, limit: number, parent?: string): IListParams {
    const { q, sort, order, tag, status, columns, archived, group } = this._query;
    return {
      offset, limit, sort, order, q, tag, status, path: this._projectPath,
      ...(columns.length ? { columns: columns.join(',') } : {}),
      ...(archived !== 'hide' ? { archived } : {}),
      ...(parent !== undefined ? { parent } : group ? { group: '1' } : {})
    };
  }

  // ----------------------------------------------------------------- groups
  /** Rows the list shows: the top-level rows and the children of expanded groups. */
  get displayCount(): number {
    return displayCount(this._total, this._expanded.values());
  }

  /** What the list shows at `index` (see groups.ts). */
  displayAt(index: number): DisplayRow {
    return displayAt(index, this._expanded.values());
  }

  /** The run a list row shows: a top-level row or a child; undefined while loading. */
  summaryAt(row: DisplayRow): ExperimentSummary | undefined {
    if (row.kind === 'top') {
      return this.rowAt(row.top);
    }
    if (row.kind === 'child') {
      return this._expanded.get(row.key)?.rows?.[row.index];
    }
    return undefined;
  }

  /** Fetch what list rows `first`..`last` need. */
  ensureDisplayRange(first: number, last: number): void {
    this.ensureRange(...topRange(first, last, this._expanded.values()));
  }

  isExpanded(key: string): boolean {
    return this._expanded.has(key);
  }

  /** Show or hide the members of the group whose parent is top-level row `top`. */
  toggleGroup(key: string, top: number): void {
    if (this._expanded.delete(key)) {
      this._changed.emit();
      return;
    }
    this._expanded.set(key, { key, top, rows: null, total: 0 });
    this._changed.emit();
    void this._loadChildren(key, this._generation);
  }

  private async _loadChildren(key: string, generation: number): Promise<void> {
    let update: Partial<IExpansion>;
    try {
      const list = await this._api.listExperiments(this._params(0, CHILD_LIMIT, key));
      update = { rows: list.items, total: list.total, error: null };
    } catch (error) {
      update = { rows: [], total: 0, error: error instanceof Error ? error.message : String(error) };
    }
    const expansion = this._expanded.get(key);
    if (generation !== this._generation || this._isDisposed || !expansion) {
      return; // collapsed, or another query meanwhile
    }
    this._expanded.set(key, { ...expansion, ...update });
    this._changed.emit();
  }

  /** After the pages were reloaded: each expanded parent where it now is, its members again
   * (a parent no longer loaded or listed is collapsed). */
  private _refreshExpanded(generation: number): void {
    const tops = new Map<string, number>();
    for (const [page, rows] of this._pages) {
      rows.forEach((row, i) => {
        if (row.group) {
          tops.set(row.group.key, page * this._pageSize + i);
        }
      });
    }
    for (const [key, expansion] of [...this._expanded]) {
      const top = tops.get(key);
      if (top === undefined) {
        this._expanded.delete(key);
      } else {
        this._expanded.set(key, { ...expansion, top });
        void this._loadChildren(key, generation);
      }
    }
  }

  // ----------------------------------------------------------------- column catalogue
  /** The fields the project's runs have (for the column picker and the tag list). */
  get catalogue(): ColumnCatalogue | null {
    return this._catalogue;
  }

  /** Ask the server for the fields the project's runs have now. */
  async loadCatalogue(): Promise<void> {
    const path = this._projectPath;
    try {
      const catalogue = await this._api.columns(path);
      if (!this._isDisposed && path === this._projectPath) {
        this._catalogue = catalogue;
        this._changed.emit();
      }
    } catch {
      // an older server without the route: the picker offers what is typed
    }
  }

  /**
   * A project the user chose no columns for shows its defaults (the goal metric and the
   * settings that changed most), asked of the server; they are not saved as a choice.
   */
  private _applyDefaultColumns(): void {
    const path = this._projectPath;
    if (loadTableChoice(path).columns !== undefined || this._query.columns.length > 0) {
      return;
    }
    this._api.columns(path).then(
      catalogue => {
        if (!this._isDisposed && path === this._projectPath) {
          this._catalogue = catalogue;
        }
        if (!this._isDisposed && path === this._projectPath && this._query.columns.length === 0
            && loadTableChoice(path).columns === undefined && catalogue.default.length > 0) {
          this._query = { ...this._query, columns: catalogue.default };
          this._restart();
        }
      },
      () => undefined // an older server without the route: no default columns
    );
  }

  private _restart(): void {
    this._generation++;
    this._expanded = new Map();
    this._pages = new Map();
    this._pending = new Map();
    this._revision = null;
    this._total = 0;
    this._experiments = null;
    this._error = null;
    this._changed.emit();
    if (this._visible && this._handshake && this._handshake.status !== 'incompatible') {
      void this._loadPage(0, this._generation);
    }
  }

  private _accept(list: ExperimentList): void {
    this._total = list.total;
    this._experiments = list.experiments ?? null;
    this._revision = list.revision;
    this._metric = list.metric;
    this._project = list.project;
    this._order = list.order;
    this._error = null;
  }

  private _fail(error: unknown): void {
    this._error =
      error instanceof KeplerApiError || error instanceof Error ? error.message : String(error);
    this._changed.emit();
  }

  private async _loadPage(page: number, generation: number): Promise<void> {
    const request = this._api.listExperiments(this._params(page * this._pageSize, this._pageSize));
    const done = request.then(
      list => {
        if (generation !== this._generation || this._isDisposed) {
          return false; // an answer to an older query or project
        }
        if (this._revision !== null && list.revision !== this._revision) {
          // The journal changed between two pages: the others are from another order.
          this._pages = new Map();
        }
        this._accept(list);
        this._pages.set(page, list.items);
        return true;
      },
      error => {
        if (generation === this._generation) {
          this._fail(error);
        }
        return false;
      }
    );
    const pending = done.then(() => undefined);
    this._pending.set(page, pending);
    this._changed.emit();
    const loaded = await done;
    if (this._pending.get(page) === pending) {
      this._pending.delete(page);
    }
    if (generation === this._generation && !this._isDisposed) {
      if (loaded) {
        // Now that the total is known, fetch what else the visible rows need (no retry
        // after a failure: the next poll tries again).
        this.ensureRange(...this._range);
      }
      this._changed.emit();
    }
  }

  /**
   * One poll: handshake first (once), then ask for a single row to learn the journal's
   * revision; reload the visible pages only if it changed.
   */
  private async _tick(force = false): Promise<void> {
    if (this._isDisposed) {
      return;
    }
    if (!this._handshake || this._handshake.status === 'unreachable') {
      this._handshake = await handshake(this._api);
      this._changed.emit();
      if (this._handshake.status === 'unreachable' || this._handshake.status === 'incompatible') {
        return;
      }
      this._applyDefaultColumns();
    }
    if (this._handshake.status === 'incompatible') {
      return;
    }
    if (this._pages.size === 0 && this._pending.size === 0) {
      await this._loadPage(0, this._generation);
      return;
    }
    const generation = this._generation;
    let probe: ExperimentList;
    try {
      probe = await this._api.listExperiments(this._params(0, 1));
    } catch (error) {
      this._fail(error);
      return;
    }
    if (generation !== this._generation) {
      return;
    }
    if (force || probe.revision !== this._revision || probe.total !== this._total) {
      await this._reloadVisible(generation);
    } else if (this._error !== null) {
      this._error = null;
      this._changed.emit();
    }
  }

  /** Fetch the visible pages again and swap them in at once (no flicker of empty rows). */
  private async _reloadVisible(generation: number): Promise<void> {
    const [start, end] = this._range;
    const first = Math.floor(start / this._pageSize);
    const last = Math.max(first, Math.floor(end / this._pageSize));
    const pages: number[] = [];
    for (let page = first; page <= last; page++) {
      pages.push(page);
    }
    try {
      const lists = await Promise.all(
        pages.map(page => this._api.listExperiments(this._params(page * this._pageSize, this._pageSize)))
      );
      if (generation !== this._generation || this._isDisposed) {
        return;
      }
      this._pages = new Map(pages.map((page, i) => [page, lists[i].items]));
      this._accept(lists[lists.length - 1]);
      this._refreshExpanded(generation);
      this._changed.emit();
    } catch (error) {
      this._fail(error);
    }
  }

  private _api: IKeplerApi;
  private _pageSize: number;
  private _poll: Poll;
  private _changed = new Signal<this, void>(this);
  private _query: IJournalQuery = { ...DEFAULT_QUERY, ...loadTableChoice('') };
  private _order: 'asc' | 'desc' = 'desc';
  private _projectPath = '';
  private _pages = new Map<number, ExperimentSummary[]>();
  private _pending = new Map<number, Promise<void>>();
  private _range: [number, number] = [0, 0];
  private _generation = 0;
  private _total = 0;
  private _experiments: number | null = null;
  private _revision: string | null = null;
  private _metric: MetricInfo | null = null;
  private _project: ProjectInfo | null = null;
  private _handshake: IHandshake | null = null;
  private _error: string | null = null;
  private _selected: string[] = [];
  private _expanded = new Map<string, IExpansion>();
  private _catalogue: ColumnCatalogue | null = null;
  private _visible = false;
  private _isDisposed = false;
}
