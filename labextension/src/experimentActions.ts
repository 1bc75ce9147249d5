/**
 * The real actions behind the detail view's buttons: the server's edit / delete / restore
 * routes, the clipboard, deep links, and opening a notebook at the cell a run came from.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';

import { experimentLink, findCellIndex } from './links';
import { IKeplerActionsApi } from './request';
import { ExperimentRecord } from './tokens';
import { IExperimentActions } from './widgets/ExperimentActions';

/** What the action needs of a notebook panel (duck-typed: no dependency on the notebook
 * package for four members). */
interface INotebookPanelLike {
  context?: { ready: Promise<void> };
  revealed?: Promise<void>;
  content?: {
    widgets: readonly { model: { id: string; sharedModel: { getSource(): string } } }[];
    activeCellIndex: number;
    scrollToItem?: (index: number, behavior?: string, margin?: number, align?: string) => Promise<void>;
  };
}

/** Copy `text` to the system clipboard (the async API where allowed, else the fallback). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    Clipboard.copyToSystem(text);
  }
}

/** Save `blob` as a download named `fileName`. */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.style.display = 'none';
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // the browser has read the URL once the click is handled; keep it a while for slow ones
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Open `notebookPath` and select the cell `record` came from; a note when it is not found. */
export async function openNotebookAtCell(
  app: JupyterFrontEnd,
  notebookPath: string,
  record: ExperimentRecord
): Promise<string | null> {
  const panel = (await app.commands.execute('docmanager:open', { path: notebookPath })) as INotebookPanelLike;
  await panel?.context?.ready;
  await panel?.revealed;
  const notebook = panel?.content;
  if (!notebook || !Array.isArray(notebook.widgets)) {
    return `Opened ${notebookPath}.`;
  }
  const index = findCellIndex(
    notebook.widgets.map(cell => ({ id: cell.model.id, source: cell.model.sharedModel.getSource() })),
    record.source
  );
  if (index < 0) {
    return `Opened ${notebookPath}; no cell holds this run's code any more (edited since).`;
  }
  notebook.activeCellIndex = index;
  await notebook.scrollToItem?.(index, 'smooth', 0, 'start');
  return null;
}

export function createExperimentActions(
  app: JupyterFrontEnd,
  api: IKeplerActionsApi,
  path: string,
  onChanged: () => void
): IExperimentActions {
  const changed = <T>(value: T): T => {
    onChanged();
    return value;
  };
  return {
    edit: async (id, edit) => changed((await api.editExperiment(id, edit, path)).experiment),
    remove: async id => changed(void (await api.deleteExperiment(id, path))),
    restore: async id => changed((await api.restoreExperiment(id, path)).experiment),
    copy: copyText,
    link: id => experimentLink(PageConfig.getBaseUrl(), id, path),
    openNotebook: (notebookPath, record) => openNotebookAtCell(app, notebookPath, record)
  };
}
