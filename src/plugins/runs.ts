import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  ICommandPalette,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import {
  CommandIDs,
  NotebookCommandIDs,
  OPEN_SETTINGS_COMMAND,
  TRANSLATION_DOMAIN
} from '../commands';
import { SETTINGS_PLUGIN_ID as PLUGIN_ID } from '../contract';
import { mlflowIcon } from '../icons';
import { measureActivation } from '../perf';
import { gatewayClient } from '../runs/client';
import { ColumnPicker } from '../runs/columns';
import { IRememberedState, RunBrowserModel } from '../runs/model';
import { IRunRow, availableKeys, runSnippet, runUri } from '../runs/table';
import { RunBrowser } from '../runs/widget';
import { IMlflowAuth, IMlflowSettings } from '../tokens';

/** Where the run browser keeps what it remembers, in the state database. */
const STATE_KEY = 'sagemaker-studio-mlflow:run-browser';

/**
 * The run browser: experiments and runs in a sidebar, beside notebooks,
 * with actions on runs in its context menu.
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
    ICommandPalette
  ],
  activate: (
    app: JupyterFrontEnd,
    settings: IMlflowSettings,
    auth: IMlflowAuth,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    state: IStateDB | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ): void => {
    const startedAt = performance.now();
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands, shell } = app;

    const model = new RunBrowserModel({
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
              Notification.error(
                trans.__('The default experiment was not saved: %1', reason)
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

    /** The run a command is about: its `runId`, or the row right-clicked. */
    const runOf = (args: ReadonlyPartialJSONObject): IRunRow | undefined => {
      const id =
        typeof args.runId === 'string'
          ? args.runId
          : app.contextMenuHitTest(node => node.dataset.runId !== undefined)
              ?.dataset.runId;
      return id === undefined ? undefined : model.row(id);
    };
    const copy = (text: string, what: string) => {
      Clipboard.copyToSystem(text);
      Notification.success(trans.__('Copied the %1: %2', what, text), {
        autoClose: 3000
      });
    };

    commands.addCommand(CommandIDs.showRunBrowser, {
      label: trans.__('Show MLflow Runs'),
      caption: trans.__('Browse MLflow experiments and runs in the sidebar'),
      execute: () => shell.activateById(browser.id)
    });
    commands.addCommand(CommandIDs.refreshRuns, {
      label: trans.__('Refresh MLflow Runs'),
      execute: () => model.refresh()
    });
    commands.addCommand(CommandIDs.openBrowsedRun, {
      label: trans.__('Open in MLflow'),
      icon: mlflowIcon,
      isEnabled: args => runOf(args) !== undefined,
      execute: async args => {
        const row = runOf(args);
        if (row) {
          await commands.execute(CommandIDs.openRun, {
            experimentId: row.experimentId,
            runId: row.id
          });
        }
      }
    });
    commands.addCommand(CommandIDs.compareSelectedRuns, {
      label: () =>
        trans.__('Compare Selected Runs (%1)', model.runs?.selected.size ?? 0),
      isEnabled: () => (model.runs?.selected.size ?? 0) >= 2,
      execute: async () => {
        const runs = model.runs;
        if (runs && runs.selected.size >= 2) {
          await commands.execute(CommandIDs.compareRuns, {
            runIds: [...runs.selected],
            experimentIds: [runs.experiment.experiment_id]
          });
        }
      }
    });
    commands.addCommand(CommandIDs.copyRunId, {
      label: trans.__('Copy Run ID'),
      isEnabled: args => runOf(args) !== undefined,
      execute: args => {
        const row = runOf(args);
        if (row) {
          copy(row.id, trans.__('run ID'));
        }
      }
    });
    commands.addCommand(CommandIDs.copyRunUri, {
      label: trans.__('Copy Run URI (runs:/)'),
      isEnabled: args => runOf(args) !== undefined,
      execute: args => {
        const row = runOf(args);
        if (row) {
          copy(runUri(row.id), trans.__('run URI'));
        }
      }
    });
    commands.addCommand(CommandIDs.insertRunSnippet, {
      label: trans.__('Insert into Notebook'),
      caption: trans.__(
        'Add a code cell that loads this run (and its model) below the active cell of the current notebook'
      ),
      isEnabled: args =>
        runOf(args) !== undefined &&
        commands.isEnabled(NotebookCommandIDs.insertCellBelow),
      execute: async args => {
        const row = runOf(args);
        if (!row) {
          return;
        }
        if (!commands.isEnabled(NotebookCommandIDs.insertCellBelow)) {
          Notification.warning(
            trans.__('Open or select a notebook to insert the run into.')
          );
          return;
        }
        let modelPath: string | undefined;
        try {
          modelPath = await model.modelPath(row);
        } catch (reason) {
          Notification.warning(
            trans.__(
              'The run’s model could not be looked up (%1); the cell loads the run only.',
              (reason as Error).message
            )
          );
        }
        await commands.execute(NotebookCommandIDs.insertCellBelow);
        await commands.execute(NotebookCommandIDs.replaceSelection, {
          text: runSnippet(row, modelPath)
        });
      }
    });
    commands.addCommand(CommandIDs.registerRunModel, {
      label: trans.__('Register Model…'),
      caption: trans.__('Register the model this run logged'),
      isVisible: args =>
        model.canRegisterModels && (runOf(args)?.modelIds.length ?? 0) > 0,
      execute: async args => {
        const row = runOf(args);
        if (!row || !model.canRegisterModels) {
          return;
        }
        const names = await model.registeredModelNames().catch(() => []);
        const result = await InputDialog.getItem({
          title: trans.__('Register the model of %1', row.name),
          label: trans.__('Registered model (pick one or type a new name)'),
          items: names,
          editable: true,
          placeholder: trans.__('Model name'),
          okLabel: trans.__('Register')
        });
        const name = result.value?.trim() ?? '';
        if (!result.button.accept || name === '') {
          return;
        }
        try {
          const version = await model.registerModel(row, name);
          Notification.success(
            trans.__('Registered %1 version %2.', name, version),
            {
              actions: [
                {
                  label: trans.__('Open in MLflow'),
                  callback: () =>
                    void commands.execute(CommandIDs.openModelRegistry, {
                      name,
                      version
                    })
                }
              ]
            }
          );
        } catch (reason) {
          Notification.error(
            trans.__(
              'The model was not registered: %1',
              (reason as Error).message
            )
          );
        }
      }
    });
    commands.addCommand(CommandIDs.chooseRunColumns, {
      label: trans.__('Choose Run Columns…'),
      isEnabled: () => model.runs !== null,
      execute: async () => {
        const runs = model.runs;
        if (!runs) {
          return;
        }
        const result = await showDialog({
          title: trans.__('Columns of %1', runs.experiment.name),
          body: new ColumnPicker(availableKeys(runs.rows), runs.columns, trans),
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.okButton({ label: trans.__('Show') })
          ]
        });
        if (result.button.accept && result.value) {
          model.setColumns(result.value);
        }
      }
    });

    const selector = '.jp-MlflowRuns-runRow';
    [
      CommandIDs.openBrowsedRun,
      CommandIDs.insertRunSnippet,
      CommandIDs.copyRunId,
      CommandIDs.copyRunUri,
      CommandIDs.compareSelectedRuns,
      CommandIDs.registerRunModel
    ].forEach((command, rank) =>
      app.contextMenu.addItem({ command, selector, rank })
    );
    for (const command of [CommandIDs.showRunBrowser, CommandIDs.refreshRuns]) {
      palette?.addItem({ command, category: 'MLflow' });
    }
    measureActivation(runBrowserPlugin.id, startedAt);
  }
};
