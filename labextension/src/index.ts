/**
 * kepler-jupyter: the Kepler journal in JupyterLab's left sidebar. This file only wires the
 * pieces together; each concern has its own module.
 */
import {
  ILabShell,
  ILayoutRestorer,
  IRouter,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { registerCommands } from './commands';
import { registerCompareGroup } from './compareGroup';
import { followActiveNotebook } from './follow';
import { keplerIcon } from './icons';
import { DEEP_LINK_PATTERN } from './links';
import { JournalModel } from './model';
import { KeplerApi } from './request';
import { CommandIDs, PANEL_ID } from './tokens';
import { JournalPanel } from './widgets/JournalPanel';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'kepler-jupyter:plugin',
  description: 'The Kepler lab journal: experiments, findings and comparisons in the sidebar.',
  autoStart: true,
  optional: [ILabShell, ILayoutRestorer, ICommandPalette, IRouter],
  activate: (
    app: JupyterFrontEnd,
    labShell: ILabShell | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    router: IRouter | null
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
    registerCompareGroup(app, { model, api });
    // /lab?kepler=<id> and /lab?kepler-compare=<id>,<id> reopen a view in a fresh page
    router?.register({ command: CommandIDs.openLink, pattern: DEEP_LINK_PATTERN, rank: 100 });
    if (labShell) {
      followActiveNotebook(labShell, model);
    }
    for (const command of [CommandIDs.openPanel, CommandIDs.refresh, CommandIDs.compare, CommandIDs.exportCsv]) {
      palette?.addItem({ command, category: 'Kepler' });
    }
  }
};

export default plugin;
