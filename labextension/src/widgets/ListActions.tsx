/**
 * The list's own actions, beside its toolbar: show archived runs, export the view to CSV.
 */
import * as React from 'react';
import { CommandRegistry } from '@lumino/commands';

import { JournalModel } from '../model';
import { CommandIDs } from '../tokens';

export function ListActions(props: { model: JournalModel; commands: CommandRegistry }): JSX.Element {
  const { model, commands } = props;
  const [error, setError] = React.useState<string | null>(null);
  const [exporting, setExporting] = React.useState(false);
  const exportCsv = (): void => {
    setExporting(true);
    setError(null);
    commands.execute(CommandIDs.exportCsv).then(
      () => setExporting(false),
      failure => {
        setExporting(false);
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    );
  };
  return (
    <span className="jp-kepler-list-actions">
      <label className="jp-kepler-check" title="List archived runs too (they are hidden by default)">
        <input
          type="checkbox"
          aria-label="Show archived"
          checked={model.query.archived !== 'hide'}
          onChange={event => model.setQuery({ archived: event.target.checked ? 'show' : 'hide' })}
        />
        archived
      </label>
      <button
        className="jp-kepler-button"
        aria-label="Export CSV"
        title="Download every experiment of this view (filter, sort, columns) as CSV"
        disabled={exporting}
        onClick={exportCsv}
      >
        CSV
      </button>
      {error && <span className="jp-kepler-action-error" role="alert">{error}</span>}
    </span>
  );
}
