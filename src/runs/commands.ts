import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  ICommandPalette,
  showDialog
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs } from '../commands';
import { mlflowIcon } from '../icons';
import type { Lazy } from '../lazy';
import { notifyError, notifySuccess, notifyWarning } from '../notify';
import type { RunBrowserModel } from './model';
import type { IRunRow } from './table';

/**
 * The run browser's code, loaded with its model (so at hand once there are
 * rows to act on), not at JupyterLab's start-up.
 */
const deferred = () =>
  import(/* webpackChunkName: "mlflow-run-browser" */ './deferred');

/** The rows the run actions of the context menu apply to. */
const RUN_ROW_SELECTOR = '.jp-MlflowRuns-runRow';

/** What the run browser's commands need of JupyterLab. */
export type RunBrowserApp = Pick<
  JupyterFrontEnd,
  'commands' | 'shell' | 'contextMenu' | 'contextMenuHitTest'
>;

/**
 * The run browser's commands: showing and refreshing it, and the actions
 * on runs, offered in the context menu of run rows (and the palette).
 */
export function addRunBrowserCommands(
  app: RunBrowserApp,
  options: IRunBrowserCommandsOptions
): void {
  const { trans, browserId } = options;
  const { commands, shell } = app;
  // Null until the sidebar is first shown: no rows, no runs, nothing offered.
  const loaded = (): RunBrowserModel | null => options.model.value;

  /** The run a command is about: its `runId`, or the row right-clicked. */
  const runOf = (args: ReadonlyPartialJSONObject): IRunRow | undefined => {
    const id =
      typeof args.runId === 'string'
        ? args.runId
        : app.contextMenuHitTest(node => node.dataset.runId !== undefined)
            ?.dataset.runId;
    return id === undefined ? undefined : loaded()?.row(id);
  };
  const copy = (text: string, what: string) => {
    Clipboard.copyToSystem(text);
    notifySuccess(trans.__('Copied the %1: %2', what, text));
  };

  commands.addCommand(CommandIDs.showRunBrowser, {
    label: trans.__('Show MLflow Runs'),
    caption: trans.__('Browse MLflow experiments and runs in the sidebar'),
    execute: () => shell.activateById(browserId)
  });
  commands.addCommand(CommandIDs.refreshRuns, {
    label: trans.__('Refresh MLflow Runs'),
    execute: async () => (await options.model.load()).refresh()
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
      trans.__(
        'Compare Selected Runs (%1)',
        loaded()?.runs?.selected.size ?? 0
      ),
    isEnabled: () => (loaded()?.runs?.selected.size ?? 0) >= 2,
    execute: async () => {
      const runs = loaded()?.runs;
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
    execute: async args => {
      const row = runOf(args);
      if (row) {
        const { runUri } = await deferred();
        copy(runUri(row.id), trans.__('run URI'));
      }
    }
  });
  commands.addCommand(CommandIDs.insertRunSnippet, {
    label: trans.__('Insert into Notebook'),
    caption: trans.__(
      'Add a code cell that loads this run (and its model) to the notebook you last worked in'
    ),
    isEnabled: args => runOf(args) !== undefined,
    execute: async args => {
      const row = runOf(args);
      const model = loaded();
      if (!row || !model) {
        return;
      }
      let modelPath: string | undefined;
      try {
        modelPath = await model.modelPath(row);
      } catch (reason) {
        notifyWarning(
          trans.__(
            'The run’s model could not be looked up (%1); the cell loads the run only.',
            (reason as Error).message
          )
        );
      }
      await commands.execute(CommandIDs.insertCode, {
        code: (await deferred()).runSnippet(row, modelPath)
      });
    }
  });
  const registerRunModel = async (model: RunBrowserModel, row: IRunRow) => {
    const dialogs = await import('./register-dialog');
    const existing = await model
      .registeredModelNames()
      .catch((): string[] => []);
    const experimentName =
      model.runs?.experiment.experiment_id === row.experimentId
        ? model.runs.experiment.name
        : undefined;
    const name = await dialogs.askRegisteredModelName({
      runName: row.name,
      proposal: dialogs.proposedModelName(row.name, experimentName),
      existing,
      trans
    });
    if (name === null) {
      return;
    }
    try {
      const versions = existing.includes(name)
        ? await model.versionsFromRun(row, name)
        : [];
      if (
        versions.length > 0 &&
        !(await dialogs.confirmRegisteringAgain({
          runName: row.name,
          name,
          versions,
          trans
        }))
      ) {
        return;
      }
      const version = await model.registerModel(row, name);
      notifySuccess(trans.__('Registered %1 version %2.', name, version), [
        {
          label: trans.__('Open in MLflow'),
          run: () =>
            void commands.execute(CommandIDs.openModelRegistry, {
              name,
              version
            })
        }
      ]);
    } catch (reason) {
      notifyError((reason as Error).message);
    }
  };
  /** The runs whose model is being registered: one registration at a time. */
  const registering = new Set<string>();
  commands.addCommand(CommandIDs.registerRunModel, {
    label: trans.__('Register Model…'),
    caption: trans.__('Register the model this run logged'),
    isVisible: args =>
      (loaded()?.canRegisterModels ?? false) &&
      (runOf(args)?.modelIds.length ?? 0) > 0,
    isEnabled: args => {
      const row = runOf(args);
      return row !== undefined && !registering.has(row.id);
    },
    execute: async args => {
      const row = runOf(args);
      const model = loaded();
      if (!row || !model?.canRegisterModels || registering.has(row.id)) {
        return;
      }
      registering.add(row.id);
      try {
        await registerRunModel(model, row);
      } finally {
        registering.delete(row.id);
      }
    }
  });
  commands.addCommand(CommandIDs.chooseRunColumns, {
    label: trans.__('Choose Run Columns…'),
    isEnabled: () => (loaded()?.runs ?? null) !== null,
    execute: async () => {
      const model = loaded();
      const runs = model?.runs;
      if (!model || !runs) {
        return;
      }
      const { ColumnPicker, availableKeys } = await deferred();
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

  [
    CommandIDs.openBrowsedRun,
    CommandIDs.insertRunSnippet,
    CommandIDs.copyRunId,
    CommandIDs.copyRunUri,
    CommandIDs.compareSelectedRuns,
    CommandIDs.registerRunModel
  ].forEach((command, rank) =>
    app.contextMenu.addItem({ command, selector: RUN_ROW_SELECTOR, rank })
  );
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
