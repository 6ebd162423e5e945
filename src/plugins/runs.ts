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

import { TRANSLATION_DOMAIN } from '../commands';
import { DeferredSidebar } from '../components/deferred-sidebar';
import { mlflowIcon } from '../icons';
import { Lazy } from '../lazy';
import { LastActiveNotebook, addInsertCodeCommand } from '../notebook-insert';
import { measureActivation } from '../perf';
import { addRunBrowserCommands } from '../runs/commands';
import type { IRememberedState, RunBrowserModel } from '../runs/model';
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

    const api = {
      get gatewayUrl() {
        return settings.config.gatewayUrl;
      },
      token: () => auth.accessToken()
    };
    // Built when the sidebar is first shown or a command needs it.
    const model = new Lazy(async () => {
      const { RunBrowserModel, addRunCommands, gatewayClient } = await import(
        /* webpackChunkName: "mlflow-run-browser" */ '../runs/deferred'
      );
      const loaded = new RunBrowserModel({
        settings,
        auth,
        client: gatewayClient(api),
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
      // The actions on its rows come with the model.
      addRunCommands(app, { model: loaded, trans });
      return loaded;
    });

    // The view, its model and its list virtualiser load when first shown.
    const browser = new DeferredSidebar<RunBrowserModel>({
      trans,
      labels: {
        loading: trans.__('Loading the run browser…'),
        failed: trans.__('The run browser could not load')
      },
      load: async sidebar => {
        const [{ runBrowserContent }, loaded] = await Promise.all([
          import(
            /* webpackChunkName: "mlflow-run-browser" */ '../runs/deferred'
          ),
          model.load()
        ]);
        return runBrowserContent(sidebar, loaded, {
          api,
          commands,
          settings,
          settingRegistry,
          trans
        });
      }
    });
    browser.addClass('jp-MlflowRuns');
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
