import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import {
  CommandIDs,
  OPEN_SETTINGS_COMMAND,
  TRANSLATION_DOMAIN
} from '../commands';
import { SETTINGS_PLUGIN_ID as PLUGIN_ID } from '../contract';
import { mlflowIcon } from '../icons';
import { Lazy } from '../lazy';
import { LastActiveNotebook, addInsertCodeCommand } from '../notebook-insert';
import { notifyError } from '../notify';
import { measureActivation } from '../perf';
import { addRunBrowserCommands } from '../runs/commands';
import type { IRememberedState } from '../runs/model';
import { RunBrowser } from '../runs/widget';
import { IMlflowAuth, IMlflowSettings } from '../tokens';

/** Where the run browser keeps what it remembers, in the state database. */
const STATE_KEY = 'sagemaker-studio-mlflow:run-browser';

/**
 * The run browser: experiments and runs in a sidebar, beside notebooks,
 * with actions on runs in its context menu (`src/runs/commands.ts`).
 */
export const runBrowserPlugin: JupyterFrontEndPlugin<void> = {
  id: 'sagemaker-studio-mlflow:run-browser',
  description:
    'Adds a sidebar to browse MLflow experiments and runs, and to bring runs into notebooks.',
  autoStart: true,
  requires: [IMlflowSettings, IMlflowAuth],
  optional: [
    ITranslator,
    ILayoutRestorer,
    IStateDB,
    ISettingRegistry,
    ICommandPalette,
    ILabShell
  ],
  activate: (
    app: JupyterFrontEnd,
    settings: IMlflowSettings,
    auth: IMlflowAuth,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    state: IStateDB | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    labShell: ILabShell | null
  ): void => {
    const startedAt = performance.now();
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands, shell } = app;

    // Built when the sidebar is first shown or a command needs it.
    const model = new Lazy(async () => {
      const { RunBrowserModel, gatewayClient } = await import(
        /* webpackChunkName: "mlflow-run-browser" */ '../runs/deferred'
      );
      return new RunBrowserModel({
        settings,
        auth,
        client: gatewayClient({
          get gatewayUrl() {
            return settings.config.gatewayUrl;
          },
          token: () => auth.accessToken()
        }),
        store: state
          ? {
              load: async () =>
                (await state.fetch(STATE_KEY)) as IRememberedState | undefined,
              save: async remembered => {
                await state.save(STATE_KEY, remembered as any);
              }
            }
          : undefined
      });
    });

    const browser = new RunBrowser({
      model,
      trans,
      actions: {
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
            .set(PLUGIN_ID, 'defaultExperiment', experiment?.name ?? '')
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
        signOut: () => void commands.execute(CommandIDs.signOut)
      }
    });
    browser.id = 'mlflow-run-browser';
    browser.title.icon = mlflowIcon;
    browser.title.caption = trans.__('MLflow Runs');
    settings.changed.connect(() => browser.update());

    let side = settings.config.sidebarSide;
    shell.add(browser, side, { rank: 650 });
    settings.changed.connect(() => {
      if (settings.config.sidebarSide !== side) {
        side = settings.config.sidebarSide;
        shell.add(browser, side, { rank: 650 });
      }
    });
    restorer?.add(browser, 'mlflow-run-browser');

    addInsertCodeCommand(commands, {
      notebooks: new LastActiveNotebook(labShell ?? shell),
      activate: id => shell.activateById(id),
      trans
    });
    addRunBrowserCommands(app, {
      model,
      browserId: browser.id,
      trans,
      palette
    });
    measureActivation(runBrowserPlugin.id, startedAt);
  }
};
