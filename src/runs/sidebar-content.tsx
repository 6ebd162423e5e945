import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { openAccessDialog } from '../access/open';
import type { IApiOptions } from '../api';
import { CommandIDs, OPEN_SETTINGS_COMMAND } from '../commands';
import type { ISidebarContent } from '../components/deferred-sidebar';
import { SETTINGS_PLUGIN_ID } from '../contract';
import { notifyError } from '../notify';
import type { IMlflowSettings } from '../tokens';
import type { IRunBrowserActions } from './actions';
import type { RunBrowserModel } from './model';
import { limitSidebarWidth } from './sidebar-width';
import { RunBrowserView } from './view';

/** What the run browser's view needs of JupyterLab. */
export interface IRunBrowserHost {
  /** The gateway and the user's token, for the Access view. */
  api: IApiOptions;
  commands: CommandRegistry;
  settings: IMlflowSettings;
  /** Where the pinned experiment is saved; none in some front ends. */
  settingRegistry: ISettingRegistry | null;
  trans: TranslationBundle;
}

/**
 * The run browser in its sidebar, once loaded: the view over the model,
 * which refreshes running runs only while the sidebar is shown, and a
 * sidebar that leaves the main area room when dragged wider.
 */
export function runBrowserContent(
  sidebar: Widget,
  model: RunBrowserModel,
  host: IRunBrowserHost
): ISidebarContent<RunBrowserModel> {
  const { trans } = host;
  const actions = runBrowserActions(host, model);
  const width = limitSidebarWidth(sidebar);
  return {
    value: model,
    render: () => (
      <RunBrowserView model={model} actions={actions} trans={trans} />
    ),
    setActive: active => {
      model.active = active;
    },
    dispose: () => {
      width.dispose();
      model.dispose();
    }
  };
}

/** What the run browser's view asks of JupyterLab. */
export function runBrowserActions(
  host: IRunBrowserHost,
  model: RunBrowserModel
): IRunBrowserActions {
  const { api, commands, settings, settingRegistry, trans } = host;
  return {
    openSettings: () =>
      void commands.execute(OPEN_SETTINGS_COMMAND, { query: 'MLflow' }),
    openRun: row =>
      void commands.execute(CommandIDs.openRun, {
        experimentId: row.experimentId,
        runId: row.id
      }),
    compare: () => void commands.execute(CommandIDs.compareSelectedRuns),
    showRunMenu: (event, _row) => {
      // JupyterLab's context menu, as if the row had been right-clicked.
      const { left, bottom } = event.currentTarget.getBoundingClientRect();
      event.currentTarget.dispatchEvent(
        new MouseEvent('contextmenu', {
          bubbles: true,
          cancelable: true,
          clientX: left,
          clientY: bottom
        })
      );
    },
    chooseColumns: () => void commands.execute(CommandIDs.chooseRunColumns),
    pinExperiment: experiment => {
      if (!settingRegistry) {
        return;
      }
      settingRegistry
        .set(SETTINGS_PLUGIN_ID, 'defaultExperiment', experiment?.name ?? '')
        .catch(reason =>
          notifyError(
            trans.__(
              'The default experiment was not saved: %1',
              (reason as Error).message ?? String(reason)
            )
          )
        );
    },
    pinned: () => settings.config.defaultExperiment,
    showAccess: experiment =>
      void openAccessDialog({
        api,
        resource: {
          kind: 'experiment',
          id: experiment.experiment_id,
          label: experiment.name
        },
        permissions: model.permissions,
        trans
      }),
    signOut: () => void commands.execute(CommandIDs.signOut)
  };
}
