import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs, NotebookCommandIDs } from '../commands';
import { Lazy } from '../lazy';
import { RunBrowserApp, addRunBrowserCommands } from '../runs/commands';
import { CHURN, IFakeRun, settle, setup } from './fake-mlflow';

const RUNS: IFakeRun[] = [
  { id: 'with-model', rmse: 0.2, start: 2, model: 'm-1' },
  { id: 'plain', rmse: 0.3, start: 1 }
];

/** The commands over a model showing CHURN's runs, in a JupyterLab of fakes. */
async function commandsOver(options: { operations?: string[] } = {}) {
  const fixture = await setup({ runs: RUNS });
  if (options.operations) {
    fixture.mlflow.operations = options.operations;
    fixture.model.retry();
    await settle();
  }
  fixture.model.openExperiment(CHURN);
  await settle();
  const commands = new CommandRegistry();
  const executed: { id: string; args: ReadonlyPartialJSONObject }[] = [];
  const record = (id: string) =>
    commands.addCommand(id, {
      execute: args => void executed.push({ id, args })
    });
  // The row under the pointer when the context menu opened.
  const clicked = document.createElement('div');
  const app = {
    commands,
    shell: { activateById: jest.fn() },
    contextMenu: { addItem: jest.fn() },
    contextMenuHitTest: (test: (node: HTMLElement) => boolean) =>
      clicked.dataset.runId !== undefined && test(clicked) ? clicked : undefined
  } as unknown as RunBrowserApp;
  addRunBrowserCommands(app, {
    model: Lazy.of(fixture.model),
    browserId: 'mlflow-run-browser',
    trans: nullTranslator.load('test'),
    palette: null
  });
  return { ...fixture, app, commands, executed, record, clicked };
}

describe('the run browser’s commands', () => {
  it('open the right-clicked run in the MLflow panel', async () => {
    const { commands, executed, record, clicked } = await commandsOver();
    record(CommandIDs.openRun);
    expect(commands.isEnabled(CommandIDs.openBrowsedRun, {})).toBe(false);
    clicked.dataset.runId = 'plain';
    expect(commands.isEnabled(CommandIDs.openBrowsedRun, {})).toBe(true);
    await commands.execute(CommandIDs.openBrowsedRun, {});
    expect(executed).toEqual([
      { id: CommandIDs.openRun, args: { experimentId: '1', runId: 'plain' } }
    ]);
  });

  it('compare the selected runs, once two are selected', async () => {
    const { commands, executed, record, model } = await commandsOver();
    record(CommandIDs.compareRuns);
    model.toggleSelected('plain');
    expect(commands.isEnabled(CommandIDs.compareSelectedRuns)).toBe(false);
    model.toggleSelected('with-model');
    expect(commands.label(CommandIDs.compareSelectedRuns)).toBe(
      'Compare Selected Runs (2)'
    );
    await commands.execute(CommandIDs.compareSelectedRuns);
    expect(executed).toEqual([
      {
        id: CommandIDs.compareRuns,
        args: { runIds: ['plain', 'with-model'], experimentIds: ['1'] }
      }
    ]);
  });

  it('insert a cell that loads the run and its model below the active cell', async () => {
    const { commands, executed, record } = await commandsOver();
    expect(
      commands.isEnabled(CommandIDs.insertRunSnippet, { runId: 'with-model' })
    ).toBe(false); // no notebook
    record(NotebookCommandIDs.insertCellBelow);
    record(NotebookCommandIDs.replaceSelection);
    await commands.execute(CommandIDs.insertRunSnippet, {
      runId: 'with-model'
    });
    expect(executed.map(call => call.id)).toEqual([
      NotebookCommandIDs.insertCellBelow,
      NotebookCommandIDs.replaceSelection
    ]);
    const text = String(executed[1].args.text);
    expect(text).toContain('run = mlflow.get_run("with-model")');
    expect(text).toContain(
      'model = mlflow.pyfunc.load_model("runs:/with-model/model")'
    );
  });

  it('offer registering a model only to roles that may, for runs that logged one', async () => {
    const reader = await commandsOver();
    expect(
      reader.commands.isVisible(CommandIDs.registerRunModel, {
        runId: 'with-model'
      })
    ).toBe(false);
    const approver = await commandsOver({
      operations: ['registered-models.create', 'model-versions.create']
    });
    const visible = (runId: string) =>
      approver.commands.isVisible(CommandIDs.registerRunModel, { runId });
    expect(visible('with-model')).toBe(true);
    expect(visible('plain')).toBe(false);
  });

  it('show the sidebar, and put the run actions in the context menu of run rows', async () => {
    const { app, commands } = await commandsOver();
    await commands.execute(CommandIDs.showRunBrowser);
    expect(app.shell.activateById).toHaveBeenCalledWith('mlflow-run-browser');
    const items = (app.contextMenu.addItem as jest.Mock).mock.calls.map(
      ([item]) => item
    );
    expect(items.map(item => item.command)).toEqual([
      CommandIDs.openBrowsedRun,
      CommandIDs.insertRunSnippet,
      CommandIDs.copyRunId,
      CommandIDs.copyRunUri,
      CommandIDs.compareSelectedRuns,
      CommandIDs.registerRunModel
    ]);
    expect(items.every(item => item.selector === '.jp-MlflowRuns-runRow')).toBe(
      true
    );
  });
});
