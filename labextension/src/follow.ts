/**
 * The panel shows the project of the notebook the user works in: a kernel started for
 * `sub/analysis.ipynb` runs in `sub/`, so that folder's project is the one its fits go to.
 */
import { ILabShell } from '@jupyterlab/application';
import { PathExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { JournalModel } from './model';

/** The folder of a notebook widget's file, or null for any other widget. */
export function notebookFolder(widget: Widget | null): string | null {
  const path = (widget as { context?: { path?: unknown } } | null)?.context?.path;
  if (typeof path !== 'string' || !path.endsWith('.ipynb')) {
    return null;
  }
  // Paths may carry a drive prefix ("RTC:sub/a.ipynb"); the server wants the local part.
  const local = path.includes(':') ? path.slice(path.indexOf(':') + 1) : path;
  return PathExt.dirname(local);
}

export function followActiveNotebook(shell: ILabShell, model: JournalModel): void {
  const update = () => {
    const folder = notebookFolder(shell.currentWidget);
    if (folder !== null) {
      model.setProjectPath(folder);
    }
  };
  shell.currentChanged.connect(update);
  update();
}
