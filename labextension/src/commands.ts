/**
 * The panel's commands: open the panel, refresh, open one experiment, compare several.
 * Experiment and comparison views are reused when the same one is asked for again.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { JournalModel } from './model';
import { IKeplerApi } from './request';
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
  options: { model: JournalModel; api: IKeplerApi }
): void {
  const { model, api } = options;
  const { commands, shell } = app;
  const open = new Map<string, MainAreaWidget<Widget>>();
  let counter = 0;

  const show = (key: string, create: () => Widget): void => {
    const existing = open.get(key);
    if (existing && !existing.isDisposed) {
      shell.activateById(existing.id);
      return;
    }
    const content = create();
    content.title.icon = keplerIcon;
    // MainAreaWidget follows its content's title, which the view sets once loaded.
    const widget = new MainAreaWidget({ content });
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
      show(`experiment:${path}:${id}`, () => new ExperimentView({ api, id, path }));
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
      show(`compare:${path}:${ids.join(',')}`, () => new CompareView({ api, ids, path }));
    }
  });
}
