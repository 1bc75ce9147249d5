/**
 * One experiment in the main area: what was tried (notes, settings, model, data), what kepler
 * found (findings with why and fix), and how it went (curves, final metrics, error).
 */
import * as React from 'react';
import { ReactWidget } from '@jupyterlab/ui-components';

import { IKeplerApi } from '../request';
import { normalizeRecord } from '../records';
import { ExperimentDetail, ExperimentRecord, Finding } from '../tokens';
import { DamagedNotice, ErrorBoundary } from './ErrorBoundary';
import { ActionBar, DeletedNotice, IExperimentActions, NotesEditor } from './ExperimentActions';
import { flattenObject, formatDuration, formatValue, formatWhen } from './format';
import { historyGroups, LineChart } from './LineChart';
import { StatusBadge } from './JournalPanel';

type Dict = { [key: string]: unknown };

function asDict(value: unknown): Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : {};
}

export function Section(props: { title: string; children: React.ReactNode }): JSX.Element {
  return (
    <section className="jp-kepler-section">
      <h3>{props.title}</h3>
      {props.children}
    </section>
  );
}

export function KeyValueTable(props: { rows: [string, unknown][] }): JSX.Element {
  if (props.rows.length === 0) {
    return <div className="jp-kepler-muted">Nothing recorded.</div>;
  }
  return (
    <table className="jp-kepler-table">
      <tbody>
        {props.rows.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{formatValue(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FindingItem(props: { finding: Finding }): JSX.Element {
  const { finding } = props;
  return (
    <li className={`jp-kepler-finding jp-kepler-finding-${finding.severity}`}>
      <div className="jp-kepler-finding-head">
        <span className={`jp-kepler-severity jp-kepler-severity-${finding.severity}`}>{finding.severity}</span>
        <code>{finding.code}</code>
        {finding.title && <strong>{finding.title}</strong>}
        {finding.stage && <span className="jp-kepler-muted">{finding.stage}</span>}
      </div>
      <div>{finding.message}</div>
      {finding.why && (
        <div className="jp-kepler-finding-why">
          <em>Why: </em>
          {finding.why}
        </div>
      )}
      {finding.fix && (
        <div className="jp-kepler-finding-fix">
          <em>Fix: </em>
          {finding.fix}
        </div>
      )}
    </li>
  );
}

export function Findings(props: { findings: Finding[] }): JSX.Element {
  if (props.findings.length === 0) {
    return <div className="jp-kepler-muted">No findings: every check passed.</div>;
  }
  const rank: Record<string, number> = { error: 0, warning: 1, info: 2 };
  const sorted = [...props.findings].sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3));
  return (
    <ul className="jp-kepler-findings">
      {sorted.map((finding, i) => (
        <FindingItem key={`${finding.code}-${i}`} finding={finding} />
      ))}
    </ul>
  );
}

function Curves(props: { history: ExperimentRecord['history'] }): JSX.Element {
  const history = props.history ?? {};
  const keys = Object.keys(history).filter(key => (history[key] ?? []).length > 0);
  if (keys.length === 0) {
    return <div className="jp-kepler-muted">No per-epoch history (a single fit step).</div>;
  }
  return (
    <div className="jp-kepler-charts">
      {historyGroups(keys).map(group => (
        <LineChart
          key={group.base}
          title={group.base}
          series={group.keys.map((key, i) => ({
            label: key,
            values: history[key] ?? [],
            color: i,
            dashed: key.startsWith('val_')
          }))}
        />
      ))}
    </div>
  );
}

function LayersTable(props: { layers: unknown }): JSX.Element | null {
  if (!Array.isArray(props.layers) || props.layers.length === 0) {
    return null;
  }
  const columns = ['name', 'class', 'output_shape', 'activation', 'units', 'n_params'];
  return (
    <table className="jp-kepler-table jp-kepler-layers">
      <thead>
        <tr>
          {columns.map(column => (
            <th key={column}>{column}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.layers.map((layer, i) => (
          <tr key={i}>
            {columns.map(column => (
              <td key={column}>{formatValue(asDict(layer)[column])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ExperimentDetailView(props: {
  detail: ExperimentDetail;
  /** The actions row under the name (ExperimentActions.ActionBar). */
  toolbar?: React.ReactNode;
  /** Shown instead of the notes section (the notes editor). */
  notes?: React.ReactNode;
}): JSX.Element {
  const { record, problems } = normalizeRecord(props.detail.experiment);
  const model = asDict(record.model);
  const data = asDict(record.data);
  const { config: _config, layers, ...modelSummary } = model;
  const { fingerprints: _fingerprints, ...dataStats } = data;
  const error = asDict(record.error);
  return (
    <div className="jp-kepler-detail">
      <header className="jp-kepler-detail-header">
        <h1 className="jp-kepler-detail-name">{record.name || record.id}</h1>
        <div className="jp-kepler-detail-meta">
          <StatusBadge status={record.status} />
          <span>id {record.id}</span>
          <span>{formatWhen(record.created)}</span>
          <span>{formatDuration(record.duration_s)}</span>
          <span>{[record.framework, asDict(record.model)['class']].filter(Boolean).map(String).join(' · ')}</span>
        </div>
        {record.archived === true && (
          <div className="jp-kepler-muted jp-kepler-archived-note">Archived: hidden from the list unless “show archived” is on.</div>
        )}
        {props.toolbar}
        <DamagedNotice problems={problems} />
        {(record.tags ?? []).length > 0 && (
          <ul className="jp-kepler-tags">
            {(record.tags ?? []).map(tag => (
              <li key={tag} className="jp-kepler-tag">
                {tag}
              </li>
            ))}
          </ul>
        )}
      </header>
      {props.notes}
      {!props.notes && (record.notes?.hypothesis || record.notes?.conclusion) && (
        <Section title="Notes">
          {record.notes?.hypothesis && (
            <p className="jp-kepler-note">
              <strong>Hypothesis: </strong>
              {record.notes.hypothesis}
            </p>
          )}
          {record.notes?.conclusion && (
            <p className="jp-kepler-note">
              <strong>Conclusion: </strong>
              {record.notes.conclusion}
            </p>
          )}
        </Section>
      )}
      {Object.keys(error).length > 0 && (
        <Section title="Error">
          <pre className="jp-kepler-pre">{`${formatValue(error.type)}: ${formatValue(error.message)}`}</pre>
        </Section>
      )}
      {record.stop_reason && (
        <Section title="Stopped">
          <p>{record.stop_reason}</p>
        </Section>
      )}
      <Section title={`Findings (${(record.findings ?? []).length})`}>
        <Findings findings={record.findings ?? []} />
      </Section>
      <Section title="Curves">
        <Curves history={record.history} />
      </Section>
      <Section title="Final metrics">
        <KeyValueTable rows={Object.entries(asDict(record.metrics))} />
      </Section>
      <Section title="Settings">
        <KeyValueTable rows={flattenObject(record.params)} />
      </Section>
      <Section title="Data">
        <KeyValueTable rows={flattenObject(dataStats)} />
      </Section>
      <Section title="Model">
        <KeyValueTable rows={flattenObject(modelSummary)} />
        <LayersTable layers={layers} />
      </Section>
      {record.source?.cell && (
        <Section title={record.source.notebook ? `Cell (${record.source.notebook})` : 'Cell'}>
          <pre className="jp-kepler-pre">{record.source.cell}</pre>
        </Section>
      )}
      <Section title="Environment">
        <KeyValueTable rows={flattenObject(record.env)} />
      </Section>
    </div>
  );
}

/** Loads one experiment and shows it with its actions; also shows why it could not be loaded. */
function ExperimentLoader(props: {
  api: IKeplerApi;
  id: string;
  path: string;
  actions?: IExperimentActions;
  onLoaded: (d: ExperimentDetail) => void;
}): JSX.Element {
  const { api, id, path, actions, onLoaded } = props;
  const [detail, setDetail] = React.useState<ExperimentDetail | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [editing, setEditing] = React.useState(false);
  const [deleted, setDeleted] = React.useState(false);
  React.useEffect(() => {
    let cancelled = false;
    api.getExperiment(id, path).then(
      loaded => {
        if (!cancelled) {
          setDetail(loaded);
          onLoaded(loaded);
        }
      },
      failure => !cancelled && setError((failure as Error).message)
    );
    return () => {
      cancelled = true;
    };
  }, [api, id, path, onLoaded]);
  if (error) {
    return <div className="jp-kepler-banner jp-kepler-banner-error" role="alert">{error}</div>;
  }
  if (!detail) {
    return <div className="jp-kepler-muted jp-kepler-loading">Loading experiment {id}…</div>;
  }
  const showRecord = (record: ExperimentRecord): void => {
    setDetail({ ...detail, experiment: record });
    setEditing(false);
    setDeleted(false);
  };
  if (deleted && actions) {
    return <DeletedNotice id={detail.experiment.id} actions={actions} onRestored={showRecord} />;
  }
  const record = detail.experiment;
  return (
    <ErrorBoundary what={`experiment ${id}`}>
      <ExperimentDetailView
        detail={detail}
        toolbar={actions && (
          <ActionBar record={record} notebookPath={detail.notebook_path ?? null} actions={actions}
            onEdit={() => setEditing(true)} onRecord={showRecord} onDeleted={() => setDeleted(true)} />
        )}
        notes={actions && editing ? (
          <Section title="Notes">
            <NotesEditor record={record} actions={actions} onSaved={showRecord} onCancel={() => setEditing(false)} />
          </Section>
        ) : undefined}
      />
    </ErrorBoundary>
  );
}

/** The main-area widget for one experiment; its tab shows the experiment's name. */
export class ExperimentView extends ReactWidget {
  constructor(options: { api: IKeplerApi; id: string; path: string; actions?: IExperimentActions }) {
    super();
    this._options = options;
    this.addClass('jp-kepler-ExperimentView');
    this.title.label = `Experiment ${options.id}`;
    this.title.closable = true;
  }

  render(): JSX.Element {
    const { api, id, path, actions } = this._options;
    return <ExperimentLoader api={api} id={id} path={path} actions={actions} onLoaded={this._onLoaded} />;
  }

  private _onLoaded = (detail: ExperimentDetail): void => {
    const { record } = normalizeRecord(detail.experiment);
    const name = record.name || record.id;
    // Lumino renders titles as text nodes, so a name with markup stays text here too.
    this.title.label = name;
    this.title.caption = `Kepler experiment ${record.id}: ${name}`;
  };

  private _options: { api: IKeplerApi; id: string; path: string; actions?: IExperimentActions };
}
