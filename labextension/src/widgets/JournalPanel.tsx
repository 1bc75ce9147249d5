/**
 * The sidebar panel: the project's experiments, newest first, with search, filters, sort,
 * selection for comparison, and a virtualised list. All user text is rendered as React text.
 */
import * as React from 'react';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';

import { groupSpread, groupTitle, opensRun } from '../groups';
import { JournalModel } from '../model';
import { CommandIDs, ExperimentSummary, RowGroup, SortKey } from '../tokens';
import { ErrorBoundary } from './ErrorBoundary';
import { formatNumber, formatShortWhen } from './format';
import { ColumnPicker, QuickFilters, SortHeaders } from './RunTableControls';
import { VirtualList } from './VirtualList';
import { ListActions } from './ListActions';

// three lines: name and metric, chosen columns and tags, status and model
const ROW_HEIGHT = 70;
const SEARCH_DELAY_MS = 250;
const SORT_LABELS: [SortKey, string][] = [
  ['created', 'Newest'],
  ['metric', 'Metric'],
  ['name', 'Name'],
  ['status', 'Status'],
  ['model', 'Model'],
  ['errors', 'Errors'],
  ['warnings', 'Warnings'],
  ['n_params', 'Parameters'],
  ['duration', 'Duration']
];
const STATUSES = ['completed', 'running', 'failed', 'blocked', 'interrupted', 'stopped'];

export function StatusBadge(props: { status: string; onFilter?: (status: string) => void }): JSX.Element {
  const { status, onFilter } = props;
  const className = `jp-kepler-status jp-kepler-status-${status.replace(/[^a-z]/g, '')}`;
  if (!onFilter) {
    return <span className={className}>{status}</span>;
  }
  return (
    <button
      className={`${className} jp-kepler-status-filter`}
      title={`Show only ${status} experiments`}
      onClick={event => {
        event.stopPropagation();
        onFilter(status);
      }}
    >
      {status}
    </button>
  );
}

/** The reasons the server gave for a damaged record (fields dropped when it was read). */
export function damagedReasons(row: ExperimentSummary): string[] {
  const reasons = (row as { damaged?: unknown }).damaged;
  return Array.isArray(reasons) ? reasons.filter((reason): reason is string => typeof reason === 'string') : [];
}

/** A table cell's text: numbers formatted, anything else as written. */
export function cellText(value: unknown): string {
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  return value === null || value === undefined ? '—' : String(value);
}

/** Parse the column box: comma- or space-separated field names, each once. */
export function parseColumns(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map(part => part.trim()).filter(part => /^[A-Za-z_][\w.-]*$/.test(part)))];
}

/** "14 experiments", or "14 experiments in 6 rows" when groups gather some of them. */
export function countText(experiments: number, rows: number): string {
  const runs = experiments === 1 ? '1 experiment' : `${experiments.toLocaleString('en-US')} experiments`;
  return rows === experiments ? runs : `${runs} in ${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'}`;
}

export function ExperimentRow(props: {
  row: ExperimentSummary | undefined;
  selected: boolean;
  onOpen: (id: string) => void;
  onToggle: (id: string) => void;
  /** The project metric's name: the label of the row's headline number. */
  metricName?: string | null;
  columns?: readonly string[];
  onTag?: (tag: string) => void;
  onStatus?: (status: string) => void;
  /** A member of an expanded group (indented under its parent). */
  child?: boolean;
  /** Expanded or not, when the row stands for a group (`row.group`). */
  expanded?: boolean;
  onExpand?: (group: RowGroup) => void;
}): JSX.Element {
  const { row, selected, onOpen, onToggle, metricName, columns = [], onTag, onStatus, child, expanded, onExpand } = props;
  if (!row) {
    return <div className="jp-kepler-row jp-kepler-row-placeholder">Loading…</div>;
  }
  const group = row.group;
  const name = group ? groupTitle(group) : row.name || row.id;
  // A search's or a loop's parent row only expands; a re-run group opens its newest run.
  const opens = opensRun(group);
  const activate = () => (opens ? onOpen(row.id) : group && onExpand?.(group));
  const classes = ['jp-kepler-row'];
  if (selected) {
    classes.push('jp-mod-selected');
  }
  if (child) {
    classes.push('jp-kepler-row-child');
  }
  if (group) {
    classes.push('jp-kepler-row-group', `jp-kepler-row-group-${group.kind}`);
  }
  return (
    <div
      className={classes.join(' ')}
      role="listitem"
      tabIndex={0}
      data-experiment-id={row.id}
      data-group-key={group?.key}
      aria-expanded={group ? Boolean(expanded) : undefined}
      title={group ? `${name}: ${group.count} runs (newest: ${row.name || row.id})` : row.hypothesis ? `${name}\n${row.hypothesis}` : name}
      onClick={activate}
      onKeyDown={event => {
        if (event.key === 'Enter') {
          activate();
        } else if (event.key === ' ' && opens) {
          event.preventDefault();
          onToggle(row.id);
        } else if (group && (event.key === 'ArrowRight' || event.key === 'ArrowLeft') && Boolean(expanded) !== (event.key === 'ArrowRight')) {
          onExpand?.(group);
        }
      }}
    >
      {group && (
        <button
          className="jp-kepler-row-expand"
          aria-label={`${expanded ? 'Hide' : 'Show'} the ${group.count} runs of ${name}`}
          onClick={event => {
            event.stopPropagation();
            onExpand?.(group);
          }}
        >
          {expanded ? '▾' : '▸'}
        </button>
      )}
      {opens && (
        <input
          type="checkbox"
          className="jp-kepler-row-check"
          checked={selected}
          aria-label={`Select ${row.name || row.id} for comparison`}
          onClick={event => event.stopPropagation()}
          onChange={() => onToggle(row.id)}
        />
      )}
      <div className="jp-kepler-row-main">
        <div className="jp-kepler-row-line">
          <span className="jp-kepler-row-name">{name}</span>
          {group && (
            <span className="jp-kepler-group-count" title={`${group.count} runs in this group`}>
              ×{group.count}
            </span>
          )}
          {!group && metricName && <span className="jp-kepler-cell-label jp-kepler-row-metric-label">{metricName}</span>}
          {!group && (
            <span className="jp-kepler-row-metric" title={metricName ?? 'project metric'}>
              {formatNumber(row.metric_value)}
            </span>
          )}
        </div>
        {group && (
          // a group's own line: the spread of the metric over its runs (a narrow sidebar
          // keeps the name whole on the line above)
          <div className="jp-kepler-row-line jp-kepler-row-cells">
            <span
              className="jp-kepler-cell"
              title={`${metricName ?? 'metric'}: mean ± standard deviation over ${group.n_values} of ${group.count} runs`}
            >
              <span className="jp-kepler-cell-label">{metricName ?? 'metric'}</span>{' '}
              <span className="jp-kepler-group-spread">{groupSpread(group)}</span>
            </span>
          </div>
        )}
        {!group && (columns.length > 0 || row.tags.length > 0) && (
          <div className="jp-kepler-row-line jp-kepler-row-cells">
            {columns.map(key => (
              <span key={key} className="jp-kepler-cell" data-column={key} title={`${key}: ${cellText(row.columns?.[key])}`}>
                <span className="jp-kepler-cell-label">{key}</span> {cellText(row.columns?.[key])}
              </span>
            ))}
            {row.tags.map(tag => (
              <button
                key={`tag:${tag}`}
                className="jp-kepler-tag"
                title={`Show only experiments tagged ${tag}`}
                onClick={event => {
                  event.stopPropagation();
                  onTag?.(tag);
                }}
              >
                {tag}
              </button>
            ))}
          </div>
        )}
        <div className="jp-kepler-row-line jp-kepler-row-meta">
          {group && <span className="jp-kepler-cell-label">newest</span>}
          <StatusBadge status={row.status} onFilter={onStatus} />
          {row.n_errors > 0 && (
            <span className="jp-kepler-count jp-kepler-count-error" title={`${row.n_errors} error finding(s)`}>
              {row.n_errors} err
            </span>
          )}
          {row.n_warnings > 0 && (
            <span className="jp-kepler-count jp-kepler-count-warning" title={`${row.n_warnings} warning finding(s)`}>
              {row.n_warnings} warn
            </span>
          )}
          {damagedReasons(row).length > 0 && (
            <span
              className="jp-kepler-count jp-kepler-count-damaged"
              title={`Damaged record: some fields could not be read.\n${damagedReasons(row).join('\n')}`}
            >
              damaged
            </span>
          )}
          <span className="jp-kepler-row-model" title={row.model_class ?? row.framework ?? ''}>
            {row.model_class ?? row.framework ?? ''}
          </span>
          <span className="jp-kepler-row-when" title={row.created ?? ''}>
            {formatShortWhen(row.created)}
          </span>
        </div>
      </div>
    </div>
  );
}

function ColumnsBox(props: { value: string[]; onChange: (value: string[]) => void }): JSX.Element {
  const [text, setText] = React.useState(props.value.join(', '));
  React.useEffect(() => setText(props.value.join(', ')), [props.value.join(',')]);
  const commit = () => {
    const columns = parseColumns(text);
    if (columns.join(',') !== props.value.join(',')) {
      props.onChange(columns);
    }
  };
  return (
    <input
      type="text"
      className="jp-kepler-columns"
      placeholder="Columns: val_accuracy, learning_rate, n_samples"
      aria-label="Table columns"
      title="Any metric, setting or data field, comma-separated; press Enter"
      value={text}
      onChange={event => setText(event.target.value)}
      onBlur={commit}
      onKeyDown={event => {
        if (event.key === 'Enter') {
          commit();
        }
      }}
    />
  );
}

function SearchBox(props: { value: string; onChange: (value: string) => void }): JSX.Element {
  const [text, setText] = React.useState(props.value);
  const { onChange } = props;
  React.useEffect(() => {
    const timer = setTimeout(() => onChange(text), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, onChange]);
  return (
    <input
      type="search"
      className="jp-kepler-search"
      placeholder="Search, or filter: val_accuracy>0.9 tag=baseline model=Sequential"
      aria-label="Search experiments"
      value={text}
      onChange={event => setText(event.target.value)}
    />
  );
}

export function JournalView(props: { model: JournalModel; commands: CommandRegistry }): JSX.Element {
  const { model, commands } = props;
  const onSearch = React.useCallback((q: string) => model.setQuery({ q }), [model]);
  const onRange = React.useCallback((first: number, last: number) => model.ensureDisplayRange(first, last), [model]);
  const [picking, setPicking] = React.useState(false);
  // The picker's fields are asked for when it opens (the server's index counts them); the
  // tags offered as quick filters are those of the runs loaded so far until then.
  const catalogue = model.catalogue;
  const open = (id: string) =>
    void commands.execute(CommandIDs.openExperiment, { id, path: model.projectPath });
  const toggle = (id: string) => model.toggleSelected(id);
  const { handshake, metric, project, query } = model;
  const selected = model.selectedIds;
  const blocked = handshake !== null && handshake.status !== 'ok' && handshake.status !== 'version-mismatch';

  return (
    <div className="jp-kepler-JournalPanel">
      <header className="jp-kepler-header">
        <h2 className="jp-kepler-title">Kepler journal</h2>
        <div className="jp-kepler-project" title={project ? `Project folder: ${project.path}` : ''}>
          {project
            ? `project ${project.name}${['.', project.name].includes(project.path) ? '' : ` · ${project.path}`}`
            : model.projectPath || 'server root'}
        </div>
      </header>
      {handshake?.message && (
        <div className={`jp-kepler-banner ${blocked ? 'jp-kepler-banner-error' : 'jp-kepler-banner-warning'}`} role="alert">
          {handshake.message}
        </div>
      )}
      {!blocked && (
        <>
          <div className="jp-kepler-toolbar">
            <SearchBox value={query.q} onChange={onSearch} />
          </div>
          <div className="jp-kepler-toolbar">
            <select
              className="jp-kepler-select"
              aria-label="Sort by"
              value={query.sort}
              onChange={event => model.sortBy(event.target.value as SortKey)}
            >
              {SORT_LABELS.map(([key, label]) => (
                <option key={key} value={key}>
                  {key === 'metric' && metric?.name ? metric.name : label}
                </option>
              ))}
              {query.columns.map(key => (
                <option key={`field:${key}`} value={`field:${key}`}>
                  {key}
                </option>
              ))}
            </select>
            <button
              className="jp-kepler-button"
              aria-label="Reverse order"
              title={model.order === 'asc' ? 'Ascending: click for descending' : 'Descending: click for ascending'}
              onClick={() => model.setQuery({ order: model.order === 'asc' ? 'desc' : 'asc' })}
            >
              {model.order === 'asc' ? '↑' : '↓'}
            </button>
            <select
              className="jp-kepler-select"
              aria-label="Filter by status"
              value={query.status}
              onChange={event => model.setQuery({ status: event.target.value })}
            >
              <option value="">any status</option>
              {STATUSES.map(status => (
                <option key={status} value={status}>
                  {status}
                </option>
              ))}
            </select>
            <button
              className="jp-kepler-button"
              aria-label="Refresh"
              title="Check the journal for new experiments"
              onClick={() => void model.refresh()}
            >
              ⟳
            </button>
          </div>
          <div className="jp-kepler-toolbar">
            <ColumnsBox value={query.columns} onChange={columns => model.setQuery({ columns })} />
            <button
              className={`jp-kepler-button${picking ? ' jp-mod-active' : ''}`}
              aria-expanded={picking}
              aria-label="Choose columns"
              title="Choose, remove and reorder the table's columns"
              onClick={() => {
                if (!picking) {
                  void model.loadCatalogue();
                }
                setPicking(!picking);
              }}
            >
              Columns ▾
            </button>
            <label className="jp-kepler-group-toggle" title="Collapse re-runs of one experiment; put a search's points and a cell's fits under one row">
              <input
                type="checkbox"
                checked={query.group}
                onChange={event => model.setQuery({ group: event.target.checked })}
              />
              Group
            </label>
          </div>
          {picking && (
            <ColumnPicker
              columns={query.columns}
              catalogue={catalogue}
              onChange={columns => model.setQuery({ columns })}
              onClose={() => setPicking(false)}
            />
          )}
          <QuickFilters
            status={query.status}
            tag={query.tag}
            tags={catalogue?.tags ?? model.loadedTags()}
            onStatus={status => model.setQuery({ status })}
            onTag={tag => model.setQuery({ tag })}
          />
          <div className="jp-kepler-summary">
            <span
              className="jp-kepler-total"
              title={metric?.name ? `Project metric: ${metric.name} (${metric.mode === 'max' ? 'higher' : 'lower'} is better)` : ''}
            >
              {countText(model.experiments ?? model.total, model.total)}
            </span>
            <button
              className="jp-kepler-button jp-mod-accept"
              disabled={selected.length < 2}
              title={selected.length < 2 ? 'Tick two or more experiments to compare them' : ''}
              onClick={() =>
                void commands.execute(CommandIDs.compare, { ids: [...selected], path: model.projectPath })
              }
            >
              Compare{selected.length ? ` (${selected.length})` : ''}
            </button>
            {selected.length > 0 && (
              <button
                className="jp-kepler-button"
                aria-label="Clear selection"
                title="Clear selection"
                onClick={() => model.clearSelection()}
              >
                ✕
              </button>
            )}
            <ListActions model={model} commands={commands} />
          </div>
          {model.error && (
            <div className="jp-kepler-banner jp-kepler-banner-error" role="alert">
              {model.error}
            </div>
          )}
          {model.total === 0 && !model.loading && !model.error ? (
            <div className="jp-kepler-empty">
              {query.q || query.status || query.tag
                ? 'No experiment matches.'
                : 'No experiments yet. Run a fit in a notebook with %%kepler fit and it appears here.'}
            </div>
          ) : (
            <>
            <SortHeaders
              columns={query.columns}
              metricName={metric?.name}
              sort={query.sort}
              order={model.order}
              onSort={key => model.sortBy(key)}
            />
            <VirtualList
              className="jp-kepler-list"
              ariaLabel="Experiments"
              rowCount={model.displayCount}
              rowHeight={ROW_HEIGHT}
              resetKey={`${JSON.stringify(query)}|${model.projectPath}`}
              onRangeChange={onRange}
              renderRow={index => {
                const place = model.displayAt(index);
                if (place.kind === 'note') {
                  return <div className="jp-kepler-row jp-kepler-row-child jp-kepler-row-note">{place.text}</div>;
                }
                const row = model.summaryAt(place);
                // one boundary per row: an odd row shows its message, the list stays
                return (
                  <ErrorBoundary what={`experiment ${row?.id ?? index + 1}`}>
                    <ExperimentRow
                      row={row}
                      selected={row ? model.isSelected(row.id) : false}
                      onOpen={open}
                      onToggle={toggle}
                      metricName={metric?.name}
                      columns={query.columns}
                      onTag={tag => model.setQuery({ tag })}
                      onStatus={status => model.setQuery({ status })}
                      child={place.kind === 'child'}
                      expanded={row?.group ? model.isExpanded(row.group.key) : false}
                      onExpand={group => model.toggleGroup(group.key, place.top)}
                    />
                  </ErrorBoundary>
                );
              }}
            />
            </>
          )}
        </>
      )}
    </div>
  );
}

/** The Lumino widget in the left sidebar; tells the model when it is shown or hidden. */
export class JournalPanel extends ReactWidget {
  constructor(options: { model: JournalModel; commands: CommandRegistry }) {
    super();
    this._model = options.model;
    this._commands = options.commands;
    this.addClass('jp-kepler-JournalPanelWidget');
  }

  get model(): JournalModel {
    return this._model;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._model.setVisible(true);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._model.setVisible(false);
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._model.setVisible(this.isVisible);
  }

  protected onBeforeDetach(msg: Message): void {
    this._model.setVisible(false);
    super.onBeforeDetach(msg);
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => (
          <ErrorBoundary what="the experiment list">
            <JournalView model={this._model} commands={this._commands} />
          </ErrorBoundary>
        )}
      </UseSignal>
    );
  }

  private _model: JournalModel;
  private _commands: CommandRegistry;
}
