/**
 * The panel's commands: open the panel, refresh, open one experiment, compare several, open a
 * deep link, export the list to CSV. Experiment and comparison views are reused when the same
 * one is asked for again.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, ToolbarButton } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { linkIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { copyText, createExperimentActions, download } from './experimentActions';
import { compareLink, parseDeepLink } from './links';
import { JournalModel } from './model';
import { IKeplerActionsApi, IKeplerApi } from './request';
import { CommandIDs, PANEL_ID } from './tokens';
import { keplerIcon } from './icons';
import { CompareView } from './widgets/CompareView';
import { ExperimentView } from './widgets/ExperimentView';

function stringArg(args: ReadonlyPartialJSONObject, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
}

export function registerCommands(
  app: JupyterFrontEnd,
  options: { model: JournalModel; api: IKeplerApi & IKeplerActionsApi }
): void {
  const { model, api } = options;
  const { commands, shell } = app;
  const open = new Map<string, MainAreaWidget<Widget>>();
  let counter = 0;

  const show = (key: string, create: () => Widget, link?: string): void => {
    const existing = open.get(key);
    if (existing && !existing.isDisposed) {
      shell.activateById(existing.id);
      return;
    }
    const content = create();
    content.title.icon = keplerIcon;
    // MainAreaWidget follows its content's title, which the view sets once loaded.
    const widget = new MainAreaWidget({ content });
    if (link) {
      widget.toolbar.addItem('kepler-copy-link', new ToolbarButton({
        icon: linkIcon,
        label: 'Copy link',
        tooltip: `Copy a link that reopens this view: ${link}`,
        onClick: () => void copyText(link)
      }));
    }
    widget.id = `kepler-${key.replace(/[^A-Za-z0-9_-]/g, '_')}-${++counter}`;
    widget.disposed.connect(() => open.delete(key));
    open.set(key, widget);
    shell.add(widget, 'main');
    shell.activateById(widget.id);
  };

  commands.addCommand(CommandIDs.openPanel, {
    label: 'Show Kepler Journal',
    caption: 'Show the experiments of this project',
    execute: () => shell.activateById(PANEL_ID)
  });

  commands.addCommand(CommandIDs.refresh, {
    label: 'Refresh Kepler Journal',
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.openExperiment, {
    label: args => `Open Experiment ${stringArg(args, 'id') ?? ''}`.trim(),
    execute: args => {
      const id = stringArg(args, 'id');
      if (!id) {
        return;
      }
      const path = stringArg(args, 'path') ?? model.projectPath;
      const actions = createExperimentActions(app, api, path, () => void model.refresh());
      show(`experiment:${path}:${id}`, () => new ExperimentView({ api, id, path, actions }));
    }
  });

  commands.addCommand(CommandIDs.compare, {
    label: 'Compare Selected Experiments',
    isEnabled: args => (Array.isArray(args.ids) ? args.ids.length : model.selectedIds.length) >= 2,
    execute: args => {
      const ids = Array.isArray(args.ids)
        ? args.ids.filter((id): id is string => typeof id === 'string')
        : [...model.selectedIds];
      if (ids.length < 2) {
        return;
      }
      const path = stringArg(args, 'path') ?? model.projectPath;
      show(`compare:${path}:${ids.join(',')}`, () => new CompareView({ api, ids, path, note: stringArg(args, 'note') }),
        compareLink(PageConfig.getBaseUrl(), ids, path));
    }
  });

  commands.addCommand(CommandIDs.openLink, {
    label: 'Open a Kepler Link',
    caption: 'Open the experiment or comparison a ?kepler= / ?kepler-compare= URL names',
    execute: async args => {
      // The router passes the page's location; a caller may pass a search string itself.
      const link = parseDeepLink(stringArg(args, 'search') ?? window.location.search);
      if (!link) {
        return;
      }
      await app.restored; // open after the saved layout is back, so it stays in front
      if (link.kind === 'compare') {
        await commands.execute(CommandIDs.compare, { ids: link.ids, path: link.path });
      } else {
        await commands.execute(CommandIDs.openExperiment, { id: link.ids[0], path: link.path });
      }
    }
  });

  commands.addCommand(CommandIDs.exportCsv, {
    label: 'Export Kepler Journal View to CSV',
    caption: 'Every experiment of the list as filtered, sorted and with its columns, as CSV',
    execute: async () => {
      const { blob, fileName } = await api.exportCsv(model.exportParams());
      download(blob, fileName);
    }
  });
}
