import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { CommandIDs } from '../commands';
import type { Lazy } from '../lazy';
import type { RunBrowserModel } from './model';

/** What the run browser's commands need of JupyterLab. */
export type RunBrowserApp = Pick<
  JupyterFrontEnd,
  'commands' | 'shell' | 'contextMenu' | 'contextMenuHitTest'
>;

/**
 * The run browser's commands at JupyterLab's start-up: showing and
 * refreshing it. The actions on runs are registered with the run browser's
 * code, when it is first loaded (`./row-commands`): they act on its rows.
 */
export function addRunBrowserCommands(
  app: RunBrowserApp,
  options: IRunBrowserCommandsOptions
): void {
  const { trans, browserId } = options;
  const { commands, shell } = app;

  commands.addCommand(CommandIDs.showRunBrowser, {
    label: trans.__('Show MLflow Runs'),
    caption: trans.__('Browse MLflow experiments and runs in the sidebar'),
    execute: () => shell.activateById(browserId)
  });
  commands.addCommand(CommandIDs.refreshRuns, {
    label: trans.__('Refresh MLflow Runs'),
    execute: async () => (await options.model.load()).refresh()
  });
  for (const command of [CommandIDs.showRunBrowser, CommandIDs.refreshRuns]) {
    options.palette?.addItem({ command, category: 'MLflow' });
  }
}

export interface IRunBrowserCommandsOptions {
  /** Loaded with the sidebar (see `src/lazy.ts`). */
  model: Lazy<RunBrowserModel>;
  /** The sidebar widget's id, for showing it. */
  browserId: string;
  trans: TranslationBundle;
  palette: ICommandPalette | null;
}
