/**
 * The actions on runs, in the context menu of run rows: registered with the
 * run browser's code when it is first loaded (`./deferred`), since they act
 * on its rows. Showing and refreshing it are registered at start-up
 * (`./commands`).
 */
import { Clipboard, Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs } from '../commands';
import { mlflowIcon } from '../icons';
import { notifyError, notifySuccess, notifyWarning } from '../notify';
import { ColumnPicker } from './columns';
import type { RunBrowserApp } from './commands';
import type { RunBrowserModel } from './model';
import {
  askRegisteredModelName,
  confirmRegisteringAgain,
  proposedModelName
} from './register-dialog';
import { IRunRow, availableKeys, runSnippet, runUri } from './table';

/** The rows the run actions of the context menu apply to. */
const RUN_ROW_SELECTOR = '.jp-MlflowRuns-runRow';

/** The actions on the rows of `model`, and their context-menu items. */
export function addRunCommands(
  app: RunBrowserApp,
  options: { model: RunBrowserModel; trans: TranslationBundle }
): void {
  const { model, trans } = options;
  const { commands } = app;

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
    notifySuccess(trans.__('Copied the %1: %2', what, text));
  };

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
    execute: async args => {
      const row = runOf(args);
      if (row) {
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
      if (row) {
        await insertRunSnippet(commands, trans, model, row);
      }
    }
  });
  /** The runs whose model is being registered: one registration at a time. */
  const registering = new Set<string>();
  commands.addCommand(CommandIDs.registerRunModel, {
    label: trans.__('Register Model…'),
    caption: trans.__('Register the model this run logged'),
    isVisible: args =>
      model.canRegisterModels && (runOf(args)?.modelIds.length ?? 0) > 0,
    isEnabled: args => {
      const row = runOf(args);
      return row !== undefined && !registering.has(row.id);
    },
    execute: async args => {
      const row = runOf(args);
      if (!row || !model.canRegisterModels || registering.has(row.id)) {
        return;
      }
      registering.add(row.id);
      try {
        await registerRunModel(commands, trans, model, row);
      } finally {
        registering.delete(row.id);
      }
    }
  });
  commands.addCommand(CommandIDs.chooseRunColumns, {
    label: trans.__('Choose Run Columns…'),
    isEnabled: () => model.runs !== null,
    execute: async () => {
      if (model.runs) {
        await chooseRunColumns(trans, model);
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
}

/** Add a cell that loads the run (and its model) to the last active notebook. */
async function insertRunSnippet(
  commands: CommandRegistry,
  trans: TranslationBundle,
  model: RunBrowserModel,
  row: IRunRow
): Promise<void> {
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
    code: runSnippet(row, modelPath)
  });
}

/**
 * Register the run's model under a name the user confirms, asking again
 * before a second version from the same run.
 */
async function registerRunModel(
  commands: CommandRegistry,
  trans: TranslationBundle,
  model: RunBrowserModel,
  row: IRunRow
): Promise<void> {
  const existing = await model.registeredModelNames().catch((): string[] => []);
  const experimentName =
    model.runs?.experiment.experiment_id === row.experimentId
      ? model.runs.experiment.name
      : undefined;
  const name = await askRegisteredModelName({
    runName: row.name,
    proposal: proposedModelName(row.name, experimentName),
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
      !(await confirmRegisteringAgain({
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
}

/** Let the user choose the columns of the experiment shown. */
async function chooseRunColumns(
  trans: TranslationBundle,
  model: RunBrowserModel
): Promise<void> {
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
