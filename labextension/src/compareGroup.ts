/**
 * Compare a group's runs: a search's points, the fits of one cell's loop, or the re-runs of one
 * experiment. The run table's group rows carry their key (`data-group-key`); right-click one and
 * choose "Compare the Group's Runs" (or run the command with `{ key, path }`). The comparison
 * holds the group's best runs by the project's goal metric, at most as many as the server
 * compares at once, and says so when the group has more.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { JournalModel } from './model';
import { IKeplerApi } from './request';
import { CommandIDs, MetricInfo } from './tokens';

export const COMPARE_GROUP = 'kepler:compare-group';

/** The most runs GET /kepler/api/compare takes (the server's MAX_COMPARED). */
export const MAX_COMPARED = 20;

export interface IGroupPick {
  ids: string[];
  /** How many runs the group holds (may exceed ids.length). */
  total: number;
  /** One line saying which runs were picked, when not all of them. */
  note: string | null;
}

/**
 * The ids of the group's runs to compare: all of them when they fit, else the best by the goal
 * metric (the server sorts, missing values last).
 */
export async function pickGroupRuns(
  api: IKeplerApi,
  key: string,
  path: string,
  metric: MetricInfo | null,
  limit = MAX_COMPARED
): Promise<IGroupPick> {
  const page = await api.listExperiments({
    offset: 0,
    limit,
    parent: key,
    path,
    sort: metric?.name ? 'metric' : 'created',
    order: metric?.name ? (metric.mode === 'max' ? 'desc' : 'asc') : 'desc'
  });
  const ids = page.items.map(item => item.id);
  const note =
    page.total > ids.length
      ? `The ${ids.length} best of the group's ${page.total} runs by ${metric?.name ?? 'date'}.`
      : null;
  return { ids, total: page.total, note };
}

function groupKeyUnderMenu(app: JupyterFrontEnd): string | undefined {
  const row = app.contextMenuHitTest(node => Boolean(node.dataset?.groupKey));
  // A group of one run has nothing to compare.
  return row && !row.classList.contains('jp-kepler-row-group-single') ? row.dataset.groupKey : undefined;
}

/** Register the command and its place in the run table's context menu. */
export function registerCompareGroup(app: JupyterFrontEnd, options: { model: JournalModel; api: IKeplerApi }): void {
  const { model, api } = options;
  const keyOf = (args: ReadonlyPartialJSONObject) =>
    typeof args.key === 'string' ? args.key : groupKeyUnderMenu(app);
  app.commands.addCommand(COMPARE_GROUP, {
    label: "Compare the Group's Runs",
    caption: 'Compare the runs of this search, loop or re-run group (curves, settings → metric)',
    isEnabled: args => Boolean(keyOf(args)),
    execute: async args => {
      const key = keyOf(args);
      if (!key) {
        return;
      }
      const path = typeof args.path === 'string' ? args.path : model.projectPath;
      const pick = await pickGroupRuns(api, key, path, model.metric);
      if (pick.ids.length < 2) {
        return;
      }
      await app.commands.execute(CommandIDs.compare, { ids: pick.ids, path, note: pick.note });
    }
  });
  app.contextMenu.addItem({ command: COMPARE_GROUP, selector: '.jp-kepler-row[data-group-key]', rank: 10 });
}
