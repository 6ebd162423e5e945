import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from '../commands';
import { runBrowserPlugin } from '../plugins/runs';
import { DeferredSidebar } from '../components/deferred-sidebar';
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
  const browser = fake.shell.add.mock.calls[0][0] as DeferredSidebar<unknown>;
  return { ...fake, settings, auth, browser };
}

describe(runBrowserPlugin.id, () => {
  it('puts the run browser on the side the settings name, and moves it when they change', () => {
    const { shell, settings, browser } = activate();
    expect(browser).toBeInstanceOf(DeferredSidebar);
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
    expect(browser.value).toBeNull();
    browser.dispose();
  });

  it('shows the sidebar with its command', async () => {
    const { commands, shell, browser } = activate();
    await commands.execute(CommandIDs.showRunBrowser);
    expect(shell.activateById).toHaveBeenCalledWith('mlflow-run-browser');
    browser.dispose();
  });
});
