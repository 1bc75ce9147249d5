/**
 * The detail view's actions: copy the id or a link, open the notebook at the run's cell, edit
 * the hypothesis, conclusion and tags, archive, delete (with undo until compaction).
 */
import * as React from 'react';

import { editFrom, INotesForm, notesForm, parseTags } from '../links';
import { ExperimentEdit, ExperimentRecord } from '../tokens';

/** What the actions do; commands.ts supplies the real ones (server, clipboard, documents). */
export interface IExperimentActions {
  /** Save an edit; resolves to the record as now stored. */
  edit(id: string, edit: ExperimentEdit): Promise<ExperimentRecord>;
  remove(id: string): Promise<void>;
  restore(id: string): Promise<ExperimentRecord>;
  copy(text: string): Promise<void>;
  /** The deep link that reopens this experiment in a fresh page. */
  link(id: string): string;
  /** Open the notebook and select the run's cell; resolves to a note when the cell is gone. */
  openNotebook(notebookPath: string, record: ExperimentRecord): Promise<string | null>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The notes and tags as a form; saved through the journal's update. */
export function NotesEditor(props: {
  record: ExperimentRecord;
  actions: IExperimentActions;
  onSaved: (record: ExperimentRecord) => void;
  onCancel: () => void;
}): JSX.Element {
  const { record, actions } = props;
  const start = notesForm(record);
  const [hypothesis, setHypothesis] = React.useState(start.hypothesis);
  const [conclusion, setConclusion] = React.useState(start.conclusion);
  const [tagText, setTagText] = React.useState(start.tags.join(', '));
  const [error, setError] = React.useState<string | null>(null);
  const [saving, setSaving] = React.useState(false);
  const save = async (): Promise<void> => {
    const parsed = parseTags(tagText);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    const form: INotesForm = { hypothesis, conclusion, tags: parsed.tags };
    const edit = editFrom(record, form);
    if (!edit) {
      props.onCancel();
      return;
    }
    setSaving(true);
    try {
      props.onSaved(await actions.edit(record.id, edit));
    } catch (failure) {
      setError(message(failure));
      setSaving(false);
    }
  };
  return (
    <form
      className="jp-kepler-notes-editor"
      onSubmit={event => {
        event.preventDefault();
        void save();
      }}
    >
      <label>
        Hypothesis
        <textarea className="jp-kepler-input" name="hypothesis" rows={2} maxLength={2000}
          value={hypothesis} onChange={event => setHypothesis(event.target.value)} />
      </label>
      <label>
        Conclusion
        <textarea className="jp-kepler-input" name="conclusion" rows={3} maxLength={10000}
          value={conclusion} onChange={event => setConclusion(event.target.value)} />
      </label>
      <label>
        Tags
        <input className="jp-kepler-input" name="tags" placeholder="baseline, wide"
          value={tagText} onChange={event => setTagText(event.target.value)} />
      </label>
      {error && <div className="jp-kepler-banner jp-kepler-banner-error" role="alert">{error}</div>}
      <div className="jp-kepler-actions">
        <button type="submit" className="jp-kepler-button jp-mod-accept" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="jp-kepler-button" onClick={props.onCancel} disabled={saving}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The row of buttons under the experiment's name. */
export function ActionBar(props: {
  record: ExperimentRecord;
  notebookPath: string | null;
  actions: IExperimentActions;
  onEdit: () => void;
  onRecord: (record: ExperimentRecord) => void;
  onDeleted: () => void;
}): JSX.Element {
  const { record, notebookPath, actions } = props;
  const [note, setNote] = React.useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = React.useState(false);
  const run = async (what: () => Promise<string | null>): Promise<void> => {
    setBusy(true);
    try {
      const text = await what();
      setNote(text ? { text, error: false } : null);
    } catch (failure) {
      setNote({ text: message(failure), error: true });
    } finally {
      setBusy(false);
    }
  };
  const archived = record.archived === true;
  return (
    <div className="jp-kepler-actions" role="toolbar" aria-label="Experiment actions">
      <button className="jp-kepler-button" title="Copy this experiment's id"
        onClick={() => void run(async () => (await actions.copy(record.id), `Copied ${record.id}`))}>
        Copy id
      </button>
      <button className="jp-kepler-button" title="Copy a link that opens this experiment in JupyterLab"
        onClick={() => void run(async () => {
          const link = actions.link(record.id);
          await actions.copy(link);
          return `Link copied: ${link}`;
        })}>
        Copy link
      </button>
      <button className="jp-kepler-button" disabled={!notebookPath || busy}
        title={notebookPath ? `Open ${notebookPath} at the cell this run came from`
          : 'The run does not name a notebook under the server root'}
        onClick={() => notebookPath && void run(() => actions.openNotebook(notebookPath, record))}>
        Open notebook
      </button>
      <button className="jp-kepler-button" onClick={props.onEdit} disabled={busy}>
        Edit notes &amp; tags
      </button>
      <button className="jp-kepler-button" disabled={busy}
        title={archived ? 'List this run again' : 'Hide this run from the list (kept in the journal)'}
        onClick={() => void run(async () => {
          props.onRecord(await actions.edit(record.id, { archived: !archived }));
          return archived ? 'Unarchived' : 'Archived: hidden from the list unless "show archived" is on';
        })}>
        {archived ? 'Unarchive' : 'Archive'}
      </button>
      <button className="jp-kepler-button jp-mod-warn" disabled={busy}
        title="Delete this run (undo possible until the journal is compacted)"
        onClick={() => void run(async () => {
          await actions.remove(record.id);
          props.onDeleted();
          return null;
        })}>
        Delete
      </button>
      {note && (
        <span className={note.error ? 'jp-kepler-action-error' : 'jp-kepler-muted'}
          role={note.error ? 'alert' : 'status'}>
          {note.text}
        </span>
      )}
    </div>
  );
}

/** What replaces the view once the run is deleted: the way back. */
export function DeletedNotice(props: {
  id: string;
  actions: IExperimentActions;
  onRestored: (record: ExperimentRecord) => void;
}): JSX.Element {
  const [error, setError] = React.useState<string | null>(null);
  return (
    <div className="jp-kepler-banner jp-kepler-banner-warning jp-kepler-deleted" role="status">
      Experiment {props.id} was deleted.{' '}
      <button className="jp-kepler-button"
        onClick={() => props.actions.restore(props.id).then(props.onRestored, failure => setError(message(failure)))}>
        Undo
      </button>
      {error && <div role="alert">{error}</div>}
    </div>
  );
}
