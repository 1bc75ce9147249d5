/**
 * Several experiments side by side, using the main area's whole width: every experiment's
 * curves overlaid on one chart per metric (hover values, log scale, zoom), final metrics,
 * parallel coordinates (settings → goal metric), and the settings, only those that differ by
 * default. A setting a run lacks because its framework has none (the server marks it
 * not_applicable) reads "n/a" there and is no difference.
 */
import * as React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';

import { IKeplerApi } from '../request';
import { normalizeRecord } from '../records';
import { Comparison, ExperimentRecord, SettingRow } from '../tokens';
import { DamagedNotice, ErrorBoundary } from './ErrorBoundary';
import { formatValue } from './format';
import { LineChart, Swatch, metricOrder } from './LineChart';
import { ParallelCoordinates } from './ParallelCoordinates';
import { Section } from './ExperimentView';
import { StatusBadge } from './JournalPanel';

function label(record: ExperimentRecord): string {
  return record.name || record.id;
}

/** The rows the settings table shows: all, or only those that differ. */
export function visibleSettings(rows: SettingRow[], onlyDiffering: boolean): SettingRow[] {
  return onlyDiffering ? rows.filter(row => row.differs) : rows;
}

/** "Settings (3 of 41 differ)": the count the server found, out of every setting shown. */
export function settingsTitle(rows: SettingRow[]): string {
  const differing = rows.filter(row => row.differs).length;
  return `Settings (${differing} of ${rows.length} differ)`;
}

function SettingCell(props: { row: SettingRow; index: number; framework: string | undefined }): JSX.Element {
  const { row, index, framework } = props;
  if (row.not_applicable?.[index]) {
    return (
      <td className="jp-kepler-not-applicable" title={`${framework ?? 'this framework'} has no such setting`}>
        n/a
      </td>
    );
  }
  return <td>{formatValue(row.values[index])}</td>;
}

function SettingsTable(props: { comparison: Comparison; onlyDiffering: boolean }): JSX.Element {
  const { comparison, onlyDiffering } = props;
  const rows = visibleSettings(comparison.settings, onlyDiffering);
  if (rows.length === 0) {
    return <div className="jp-kepler-muted">{onlyDiffering ? 'No setting differs.' : 'No settings recorded.'}</div>;
  }
  return (
    <table className="jp-kepler-table jp-kepler-compare-table jp-kepler-settings-table">
      <thead>
        <tr>
          <th>setting</th>
          {comparison.experiments.map((record, i) => (
            <th key={record.id}>
              <Swatch index={i} /> {label(record)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(row => (
          <tr key={row.key} className={row.differs ? 'jp-kepler-differs' : undefined}>
            <th scope="row">{row.key}</th>
            {comparison.experiments.map((record, i) => (
              <SettingCell key={i} row={row} index={i} framework={record.framework ?? undefined} />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MetricsTable(props: { comparison: Comparison }): JSX.Element {
  const { experiments, metric } = props.comparison;
  const keys = Array.from(
    new Set(experiments.flatMap(record => Object.keys(record.metrics ?? {})))
  );
  if (keys.length === 0) {
    return <div className="jp-kepler-muted">No final metrics recorded.</div>;
  }
  return (
    <table className="jp-kepler-table jp-kepler-compare-table">
      <thead>
        <tr>
          <th>metric</th>
          {experiments.map((record, i) => (
            <th key={record.id}>
              <Swatch index={i} /> {label(record)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">status</th>
          {experiments.map(record => (
            <td key={record.id}>
              <StatusBadge status={record.status} />
            </td>
          ))}
        </tr>
        {keys.map(key => (
          <tr key={key} className={key === metric.name ? 'jp-kepler-project-metric' : undefined}>
            <th scope="row">{key === metric.name ? `${key} (project metric)` : key}</th>
            {experiments.map(record => (
              <td key={record.id}>{formatValue((record.metrics ?? {})[key])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OverlaidCurves(props: { experiments: ExperimentRecord[] }): JSX.Element {
  const { experiments } = props;
  const keys = Array.from(
    new Set(experiments.flatMap(record => Object.keys(record.history ?? {})))
  ).sort(metricOrder);
  if (keys.length === 0) {
    return <div className="jp-kepler-muted">None of these experiments has per-epoch history.</div>;
  }
  return (
    <div className="jp-kepler-charts jp-kepler-compare-charts">
      {keys.map(key => (
        <LineChart
          key={key}
          wide
          title={key}
          series={experiments
            .map((record, i) => ({ label: label(record), values: (record.history ?? {})[key] ?? [], color: i }))
            .filter(series => series.values.length > 0)}
        />
      ))}
    </div>
  );
}

export function ComparisonView(props: { comparison: Comparison; note?: string }): JSX.Element {
  const normalized = props.comparison.experiments.map(normalizeRecord);
  const comparison = {
    ...props.comparison,
    experiments: normalized.map(n => n.record) as Comparison['experiments']
  };
  const problems = normalized.flatMap(n => n.problems.map(problem => `${label(n.record)}: ${problem}`));
  const [onlyDiffering, setOnlyDiffering] = React.useState(true);
  return (
    <div className="jp-kepler-detail jp-kepler-compare">
      <header className="jp-kepler-detail-header">
        <h1 className="jp-kepler-detail-name">Comparing {comparison.experiments.length} experiments</h1>
        <ul className="jp-kepler-legend">
          {comparison.experiments.map((record, i) => (
            <li key={record.id}>
              <Swatch index={i} />
              {label(record)}
            </li>
          ))}
        </ul>
        {props.note ? <p className="jp-kepler-muted jp-kepler-compare-note">{props.note}</p> : null}
        <DamagedNotice problems={problems} />
      </header>
      <Section title="Curves">
        <OverlaidCurves experiments={comparison.experiments} />
      </Section>
      <Section title="Final metrics">
        <MetricsTable comparison={comparison} />
      </Section>
      <Section title="Settings → metric">
        <ParallelCoordinates comparison={comparison} label={label} />
      </Section>
      <Section title={settingsTitle(comparison.settings)}>
        <label className="jp-kepler-toggle">
          <input type="checkbox" checked={onlyDiffering} onChange={event => setOnlyDiffering(event.target.checked)} />
          only the settings that differ
        </label>
        <SettingsTable comparison={comparison} onlyDiffering={onlyDiffering} />
      </Section>
    </div>
  );
}

function ComparisonLoader(props: {
  api: IKeplerApi;
  ids: string[];
  path: string;
  note?: string;
  onLoaded: (c: Comparison) => void;
}): JSX.Element {
  const { api, ids, path, note, onLoaded } = props;
  const [comparison, setComparison] = React.useState<Comparison | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    let cancelled = false;
    api.compare(ids, path).then(
      loaded => {
        if (!cancelled) {
          setComparison(loaded);
          onLoaded(loaded);
        }
      },
      failure => !cancelled && setError((failure as Error).message)
    );
    return () => {
      cancelled = true;
    };
  }, [api, ids.join(','), path, onLoaded]);
  if (error) {
    return <div className="jp-kepler-banner jp-kepler-banner-error" role="alert">{error}</div>;
  }
  if (!comparison) {
    return <div className="jp-kepler-muted jp-kepler-loading">Loading comparison…</div>;
  }
  return (
    <ErrorBoundary what={`the comparison of ${ids.join(', ')}`}>
      <ComparisonView comparison={comparison} note={note} />
    </ErrorBoundary>
  );
}

/** The main-area widget comparing several experiments. */
export class CompareView extends ReactWidget {
  /** ``note``: a line shown above the comparison (which runs of a group were picked). */
  constructor(options: { api: IKeplerApi; ids: string[]; path: string; note?: string }) {
    super();
    this._options = options;
    this.addClass('jp-kepler-CompareView');
    this.title.label = `Compare ${options.ids.length} experiments`;
    this.title.closable = true;
  }

  render(): JSX.Element {
    const { api, ids, path, note } = this._options;
    return <ComparisonLoader api={api} ids={ids} path={path} note={note} onLoaded={this._onLoaded} />;
  }

  private _onLoaded = (comparison: Comparison): void => {
    this.title.caption = comparison.experiments.map(record => label(normalizeRecord(record).record)).join(' vs ');
  };

  private _options: { api: IKeplerApi; ids: string[]; path: string; note?: string };
}
