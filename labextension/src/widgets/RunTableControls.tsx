/**
 * The run table's controls: sortable column headers, the column picker (choose, remove and
 * reorder columns from the fields the server lists) and the quick filters (status and tags as
 * removable chips, the project's tags one click away).
 */
import * as React from 'react';

import { ColumnCatalogue, SortKey } from '../tokens';

/** Tags offered as quick filters at most (the picker's search box finds the others). */
const MAX_TAG_CHIPS = 8;

/** A column's sort key on the server: the metric and the name have their own keys. */
export function columnSortKey(column: string): SortKey {
  return `field:${column}` as SortKey;
}

/** `columns` with `key` moved one place up (-1) or down (+1); unchanged at either end. */
export function moveColumn(columns: readonly string[], key: string, step: -1 | 1): string[] {
  const from = columns.indexOf(key);
  const to = from + step;
  if (from < 0 || to < 0 || to >= columns.length) {
    return [...columns];
  }
  const next = [...columns];
  [next[from], next[to]] = [next[to], next[from]];
  return next;
}

/** The catalogue's sections as the picker lists them, with names containing `filter`. */
export function pickerSections(
  catalogue: ColumnCatalogue | null,
  filter: string
): [string, string[]][] {
  if (!catalogue) {
    return [];
  }
  const wanted = filter.trim().toLowerCase();
  const keep = (names: string[]) => names.filter(name => !wanted || name.toLowerCase().includes(wanted));
  return (
    [
      ['Metrics', keep(catalogue.metrics)],
      ['Settings', keep(catalogue.settings)],
      ['Data', keep(catalogue.data)],
      ['Tags', keep(catalogue.tags.length ? ['tags'] : [])]
    ] as [string, string[]][]
  ).filter(([, names]) => names.length > 0);
}

/** Header buttons that sort the whole list on the server; the active one shows its order. */
export function SortHeaders(props: {
  columns: readonly string[];
  metricName: string | null | undefined;
  sort: SortKey;
  order: 'asc' | 'desc';
  onSort: (key: SortKey) => void;
}): JSX.Element {
  const { columns, metricName, sort, order, onSort } = props;
  const headers: [SortKey, string][] = [
    ['name', 'Name'],
    ['metric', metricName || 'Metric'],
    ...columns.filter(column => column !== metricName).map(column => [columnSortKey(column), column] as [SortKey, string]),
    ['created', 'Created']
  ];
  return (
    <div className="jp-kepler-table-header" role="toolbar" aria-label="Sort by column">
      {headers.map(([key, label]) => {
        const active = key === sort;
        return (
          <button
            key={key}
            className={`jp-kepler-sort-header${active ? ' jp-mod-active' : ''}`}
            data-sort={key}
            aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}
            title={active ? `Sorted by ${label}, ${order === 'asc' ? 'ascending' : 'descending'}: click to reverse` : `Sort by ${label}`}
            onClick={() => onSort(key)}
          >
            {label}
            {active && <span className="jp-kepler-sort-arrow">{order === 'asc' ? ' ▲' : ' ▼'}</span>}
          </button>
        );
      })}
    </div>
  );
}

/** The chosen columns (reorder, remove) and every field the project's runs have (add). */
export function ColumnPicker(props: {
  columns: readonly string[];
  catalogue: ColumnCatalogue | null;
  onChange: (columns: string[]) => void;
  onClose: () => void;
}): JSX.Element {
  const { columns, catalogue, onChange, onClose } = props;
  const [filter, setFilter] = React.useState('');
  const sections = pickerSections(catalogue, filter);
  return (
    <div className="jp-kepler-picker" role="dialog" aria-label="Choose columns">
      <div className="jp-kepler-picker-head">
        <strong>Columns</strong>
        <button className="jp-kepler-button" aria-label="Close the column picker" onClick={onClose}>
          ✕
        </button>
      </div>
      <ol className="jp-kepler-picker-chosen" aria-label="Chosen columns">
        {columns.length === 0 && <li className="jp-kepler-picker-empty">No column chosen.</li>}
        {columns.map((column, i) => (
          <li key={column} data-column={column}>
            <span className="jp-kepler-picker-name">{column}</span>
            <button aria-label={`Move ${column} up`} disabled={i === 0} onClick={() => onChange(moveColumn(columns, column, -1))}>
              ↑
            </button>
            <button
              aria-label={`Move ${column} down`}
              disabled={i === columns.length - 1}
              onClick={() => onChange(moveColumn(columns, column, 1))}
            >
              ↓
            </button>
            <button aria-label={`Remove ${column}`} onClick={() => onChange(columns.filter(other => other !== column))}>
              ✕
            </button>
          </li>
        ))}
      </ol>
      <input
        type="search"
        className="jp-kepler-picker-filter"
        placeholder="Find a metric, setting or data field"
        aria-label="Find a field"
        value={filter}
        onChange={event => setFilter(event.target.value)}
      />
      <div className="jp-kepler-picker-fields">
        {catalogue === null && <div className="jp-kepler-picker-empty">Loading the project's fields…</div>}
        {sections.map(([title, names]) => (
          <section key={title}>
            <h4>{title}</h4>
            {names.map(name => (
              <label key={name} className="jp-kepler-picker-field">
                <input
                  type="checkbox"
                  checked={columns.includes(name)}
                  onChange={() =>
                    onChange(columns.includes(name) ? columns.filter(other => other !== name) : [...columns, name])
                  }
                />
                {name}
              </label>
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}

/** Active status and tag filters as removable chips, then the project's tags to filter on. */
export function QuickFilters(props: {
  status: string;
  tag: string;
  tags: readonly string[];
  onStatus: (status: string) => void;
  onTag: (tag: string) => void;
}): JSX.Element | null {
  const { status, tag, tags, onStatus, onTag } = props;
  const offered = tags.filter(name => name !== tag && !name.startsWith('grid:')).slice(0, MAX_TAG_CHIPS);
  if (!status && !tag && offered.length === 0) {
    return null;
  }
  return (
    <div className="jp-kepler-quickfilters" aria-label="Quick filters">
      {status && (
        <button className="jp-kepler-chip jp-mod-active" title="Show every status again" onClick={() => onStatus('')}>
          status {status} ✕
        </button>
      )}
      {tag && (
        <button className="jp-kepler-tag jp-mod-active" title="Show every tag again" onClick={() => onTag('')}>
          tag {tag} ✕
        </button>
      )}
      {offered.map(name => (
        <button key={name} className="jp-kepler-tag jp-kepler-tag-offer" title={`Show only experiments tagged ${name}`} onClick={() => onTag(name)}>
          {name}
        </button>
      ))}
    </div>
  );
}
