import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { MlflowApiError } from '../api';
import { CommandIDs } from '../commands';
import { Lazy } from '../lazy';
import { RunBrowserApp, addRunBrowserCommands } from '../runs/commands';
import { addRunCommands } from '../runs/row-commands';
import { proposedModelName } from '../runs/register-dialog';
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
  addRunCommands(app, {
    model: fixture.model,
    trans: nullTranslator.load('test')
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

  it('insert code that loads the run and its model into the last active notebook', async () => {
    const { commands, executed, record } = await commandsOver();
    record(CommandIDs.insertCode);
    expect(
      commands.isEnabled(CommandIDs.insertRunSnippet, { runId: 'with-model' })
    ).toBe(true);
    await commands.execute(CommandIDs.insertRunSnippet, {
      runId: 'with-model'
    });
    expect(executed.map(call => call.id)).toEqual([CommandIDs.insertCode]);
    const code = String(executed[0].args.code);
    expect(code).toContain('run = mlflow.get_run("with-model")');
    expect(code).toContain(
      'model = mlflow.pyfunc.load_model("runs:/with-model/model")'
    );
  });

  describe('register a run’s model', () => {
    afterEach(() => {
      Notification.dismiss();
      document
        .querySelectorAll('.jp-Dialog')
        .forEach(dialog => dialog.remove());
    });

    const approver = () =>
      commandsOver({
        operations: ['registered-models.create', 'model-versions.create']
      });
    /** The open dialog, once it shows. */
    async function dialog(): Promise<HTMLElement> {
      for (let i = 0; i < 100; i++) {
        const found = document.querySelector<HTMLElement>('.jp-Dialog');
        if (found) {
          return found;
        }
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      throw new Error('No dialog');
    }
    const click = (node: HTMLElement, selector: string) =>
      node.querySelector<HTMLElement>(selector)!.click();

    it('proposes the experiment’s name, registers, and offers to open the version', async () => {
      const { commands, mlflow, executed, record } = await approver();
      record(CommandIDs.openModelRegistry);
      mlflow.registeredModels = ['0-unrelated', 'churn-classifier'];
      const done = commands.execute(CommandIDs.registerRunModel, {
        runId: 'with-model'
      });
      const shown = await dialog();
      const input = shown.querySelector('input')!;
      expect(input.value).toBe(CHURN.name);
      const options = [...shown.querySelectorAll('option')].map(o => o.value);
      expect(options).toEqual(['0-unrelated', 'churn-classifier']);
      // Registering again while the dialog is open is not offered.
      expect(
        commands.isEnabled(CommandIDs.registerRunModel, { runId: 'with-model' })
      ).toBe(false);
      click(shown, '.jp-mod-accept');
      await done;
      expect(mlflow.registered).toEqual([
        { name: CHURN.name, runId: 'with-model', modelId: 'm-1' }
      ]);
      const [toast] = Notification.manager.notifications;
      expect(toast.message).toBe(`Registered ${CHURN.name} version 3.`);
      expect(toast.options.autoClose).not.toBe(false);
      toast.options.actions![0].callback(new MouseEvent('click'));
      expect(executed).toEqual([
        {
          id: CommandIDs.openModelRegistry,
          args: { name: CHURN.name, version: '3' }
        }
      ]);
    });

    it('asks before registering the run’s model again under the same model', async () => {
      const { commands, mlflow } = await approver();
      mlflow.registered = [
        { name: 'churn-classifier', runId: 'with-model', modelId: 'm-1' }
      ];
      mlflow.registeredModels = ['churn-classifier'];
      const done = commands.execute(CommandIDs.registerRunModel, {
        runId: 'with-model'
      });
      const first = await dialog();
      first.querySelector('input')!.value = 'churn-classifier';
      click(first, '.jp-mod-accept');
      await new Promise(resolve => setTimeout(resolve, 50));
      const confirm = await dialog();
      expect(confirm.textContent).toContain(
        'already churn-classifier version 1'
      );
      click(confirm, '.jp-mod-reject');
      await done;
      expect(mlflow.registered).toHaveLength(1);
    });

    it('shows the server’s refusal as it is, until closed', async () => {
      const { commands, mlflow } = await approver();
      const refusal =
        'You may not register a model version (model-versions.create). Your roles: readers.';
      mlflow.registerModel = () =>
        Promise.reject(new MlflowApiError('forbidden', refusal, 403));
      const done = commands.execute(CommandIDs.registerRunModel, {
        runId: 'with-model'
      });
      click(await dialog(), '.jp-mod-accept');
      await done;
      const [toast] = Notification.manager.notifications;
      expect(toast.type).toBe('error');
      expect(toast.message).toBe(refusal);
      expect(toast.options.autoClose).toBe(false);
    });
  });

  it('propose a registered model name from the experiment, or the run in the default one', () => {
    expect(proposedModelName('run-1', 'churn-prediction')).toBe(
      'churn-prediction'
    );
    expect(proposedModelName('run-1', '/Users/ana/churn')).toBe('churn');
    expect(proposedModelName('run-1', 'Default')).toBe('run-1');
    expect(proposedModelName('run-1', undefined)).toBe('run-1');
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
