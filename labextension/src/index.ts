/**
 * kepler-jupyter: the Kepler journal in JupyterLab's left sidebar. This file only wires the
 * pieces together; each concern has its own module.
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { registerCommands } from './commands';
import { followActiveNotebook } from './follow';
import { keplerIcon } from './icons';
import { JournalModel } from './model';
import { KeplerApi } from './request';
import { CommandIDs, PANEL_ID } from './tokens';
import { JournalPanel } from './widgets/JournalPanel';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'kepler-jupyter:plugin',
  description: 'The Kepler lab journal: experiments, findings and comparisons in the sidebar.',
  autoStart: true,
  optional: [ILabShell, ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    labShell: ILabShell | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ) => {
    const api = new KeplerApi(app.serviceManager.serverSettings);
    const model = new JournalModel({ api });
    const panel = new JournalPanel({ model, commands: app.commands });
    panel.id = PANEL_ID;
    panel.title.icon = keplerIcon;
    panel.title.caption = 'Kepler journal';
    app.shell.add(panel, 'left', { rank: 650 });
    restorer?.add(panel, PANEL_ID);

    registerCommands(app, { model, api });
    if (labShell) {
      followActiveNotebook(labShell, model);
    }
    for (const command of [CommandIDs.openPanel, CommandIDs.refresh, CommandIDs.compare]) {
      palette?.addItem({ command, category: 'Kepler' });
    }
  }
};

export default plugin;
