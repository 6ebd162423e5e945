import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from '../commands';
import { runBrowserPlugin } from '../plugins/runs';
import { RunBrowser } from '../runs/widget';
import { CONFIGURED, FakeAuth, FakeSettings } from './fakes';

/** The parts of JupyterLab the plugin uses. */
function fakeApp() {
  const commands = new CommandRegistry();
  const shell = { add: jest.fn(), activateById: jest.fn() };
  const contextMenu = { addItem: jest.fn() };
  const app = {
    commands,
    shell,
    contextMenu,
    contextMenuHitTest: jest.fn(() => undefined)
  } as unknown as JupyterFrontEnd;
  return { app, commands, shell, contextMenu };
}

function activate() {
  const fake = fakeApp();
  const settings = new FakeSettings();
  const auth = new FakeAuth();
  runBrowserPlugin.activate(
    fake.app,
    settings,
    auth,
    null,
    null,
    null,
    null,
    null
  );
  const browser = fake.shell.add.mock.calls[0][0] as RunBrowser;
  return { ...fake, settings, auth, browser };
}

describe(runBrowserPlugin.id, () => {
  it('puts the run browser on the side the settings name, and moves it when they change', () => {
    const { shell, settings, browser } = activate();
    expect(browser).toBeInstanceOf(RunBrowser);
    expect(browser.id).toBe('mlflow-run-browser');
    expect(shell.add).toHaveBeenLastCalledWith(browser, 'right', {
      rank: 650
    });
    settings.set({ ...CONFIGURED, sidebarSide: 'left' });
    expect(shell.add).toHaveBeenLastCalledWith(browser, 'left', { rank: 650 });
    settings.set({ ...CONFIGURED, sidebarSide: 'left', region: 'eu-west-1' });
    expect(shell.add).toHaveBeenCalledTimes(2);
    browser.dispose();
  });

  it('loads nothing and asks for no sign-in until the sidebar is shown', () => {
    const { auth, browser } = activate();
    expect(auth.restored).toBe(0);
    expect(browser.model.session.kind).toBe('connecting');
    browser.dispose();
  });

  it('puts the run actions in the context menu of run rows, registering only for roles that may', () => {
    const { contextMenu, commands, browser } = activate();
    const items = contextMenu.addItem.mock.calls.map(([item]) => item);
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
    // No permissions known (not signed in): not offered.
    expect(commands.isVisible(CommandIDs.registerRunModel, {})).toBe(false);
    // No run under the pointer, no notebook: nothing to insert into.
    expect(commands.isEnabled(CommandIDs.insertRunSnippet, {})).toBe(false);
    expect(commands.isEnabled(CommandIDs.compareSelectedRuns)).toBe(false);
    browser.dispose();
  });

  it('shows the sidebar with its command', async () => {
    const { commands, shell, browser } = activate();
    await commands.execute(CommandIDs.showRunBrowser);
    expect(shell.activateById).toHaveBeenCalledWith('mlflow-run-browser');
    browser.dispose();
  });
});
