import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commands';
import { DeferredSidebar } from '../components/deferred-sidebar';
import { modelsPlugin, modelsViewCommands } from '../plugins/models';
import { settle } from './fake-mlflow';
import { CONFIGURED, FakeAuth, FakeSettings, accessToken } from './fakes';

function activate() {
  const commands = new CommandRegistry();
  const shell = { add: jest.fn(), activateById: jest.fn() };
  const app = { commands, shell } as unknown as JupyterFrontEnd;
  const settings = new FakeSettings();
  const auth = new FakeAuth();
  modelsPlugin.activate(app, settings, auth, null, null, null);
  const sidebar = shell.add.mock.calls[0][0] as DeferredSidebar<unknown>;
  return { commands, shell, settings, auth, sidebar };
}

/** The commands the sidebar's buttons execute, recorded. */
function recordCommands(commands: CommandRegistry, ids: string[]) {
  const executed: { id: string; args: unknown }[] = [];
  for (const id of ids) {
    commands.addCommand(id, {
      execute: args => void executed.push({ id, args })
    });
  }
  return executed;
}

describe(modelsPlugin.id, () => {
  afterEach(() => Notification.manager.dismiss());

  it('adds the models sidebar, with its own caption, on the side the settings name', () => {
    const { shell, settings, sidebar } = activate();
    expect(sidebar).toBeInstanceOf(DeferredSidebar);
    expect(sidebar.id).toBe('mlflow-models');
    expect(sidebar.title.caption).toBe('MLflow Models');
    expect(sidebar.title.icon).toBeDefined();
    expect(shell.add).toHaveBeenLastCalledWith(sidebar, 'right', {
      rank: 660
    });
    settings.set({ ...CONFIGURED, sidebarSide: 'left' });
    expect(shell.add).toHaveBeenLastCalledWith(sidebar, 'left', { rank: 660 });
    sidebar.dispose();
  });

  it('loads nothing and asks for no sign-in until the sidebar is shown', async () => {
    const { auth, sidebar } = activate();
    await settle();
    expect(sidebar.value).toBeNull();
    expect(auth.restored).toBe(0);
    sidebar.dispose();
  });

  it('loads the view when first shown, and restores the session then', async () => {
    const { auth, sidebar } = activate();
    auth.status = 'unknown';
    sidebar.hide();
    Widget.attach(sidebar, document.body);
    expect(auth.restored).toBe(0);
    sidebar.show();
    for (let i = 0; i < 50 && sidebar.value === null; i++) {
      await settle();
    }
    expect(sidebar.value).not.toBeNull();
    expect(auth.restored).toBe(1);
    sidebar.dispose();
  });

  it('shows the sidebar with its command', async () => {
    const { commands, shell, sidebar } = activate();
    await commands.execute(CommandIDs.showModels);
    expect(shell.activateById).toHaveBeenCalledWith('mlflow-models');
    sidebar.dispose();
  });

  it('opens a version in the MLflow panel and inserts code through the notebook command', async () => {
    const { commands, auth, sidebar } = activate();
    const executed = recordCommands(commands, [
      CommandIDs.openModelRegistry,
      'mlflow:insert-code'
    ]);
    auth.set('signed-in', accessToken('reader', ['readers']));
    const actions = modelsViewCommands(commands, nullTranslator.load('test'));
    actions.openInMlflow('churn-classifier', '2');
    actions.insertCode('import mlflow');
    await settle();
    expect(executed).toEqual([
      {
        id: CommandIDs.openModelRegistry,
        args: { name: 'churn-classifier', version: '2' }
      },
      { id: 'mlflow:insert-code', args: { code: 'import mlflow' } }
    ]);
    sidebar.dispose();
  });

  it('says so when the code could not be inserted', async () => {
    const { commands, sidebar } = activate();
    modelsViewCommands(commands, nullTranslator.load('test')).insertCode(
      'import mlflow'
    );
    await settle();
    expect(Notification.manager.notifications[0].message).toContain(
      'The code was not inserted'
    );
    sidebar.dispose();
  });
});
