import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { launchIcon, refreshIcon, MenuSvg } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs, TRANSLATION_DOMAIN } from '../commands';
import { openMlflowTab } from '../handoff/open-tab';
import type { BrowserTabs } from '../handoff/tabs';
import { isTabRequest } from '../handoff/tab-protocol';
import { mlflowIcon } from '../icons';
import { Lazy } from '../lazy';
import { notifyWarning } from '../notify';
import { measureActivation } from '../perf';
import {
  HOME_ROUTE,
  MODEL_REGISTRY_ROUTE,
  compareRunsRoute,
  experimentRoute,
  modelVersionRoute,
  registeredModelRoute,
  runRoute
} from '../panel/routes';
import type { MlflowPanel } from '../panel/widget';
import { IMlflowAuth, IMlflowSettings } from '../tokens';

/**
 * The MLflow panel: the stock MLflow UI in a main-area tab, opened from the
 * launcher, the palette, the MLflow menu and deep-link commands, and
 * restored after a reload.
 */
export const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'sagemaker-studio-mlflow:panel',
  description:
    'Adds the MLflow launcher tile and a panel that shows the MLflow UI, signed in.',
  autoStart: true,
  requires: [IMlflowSettings, IMlflowAuth],
  optional: [
    ITranslator,
    ILauncher,
    ICommandPalette,
    IMainMenu,
    ILayoutRestorer,
    IThemeManager
  ],
  activate: (
    app: JupyterFrontEnd,
    settings: IMlflowSettings,
    auth: IMlflowAuth,
    translator: ITranslator | null,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    mainMenu: IMainMenu | null,
    restorer: ILayoutRestorer | null,
    themes: IThemeManager | null
  ): void => {
    const startedAt = performance.now();
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands, shell } = app;
    const tracker = new WidgetTracker<MainAreaWidget<MlflowPanel>>({
      namespace: 'mlflow'
    });

    // The panel's model, view and hand-off load when it is first opened.
    const panels = new Lazy(async () => {
      const { PanelFactory } = await import(
        /* webpackChunkName: "mlflow-panel" */ '../panel/deferred'
      );
      return new PanelFactory({
        settings,
        auth,
        trans,
        commands,
        // The MLflow UI in JupyterLab's theme (light until a theme is loaded).
        darkMode: () => (themes?.theme ? !themes.isLight(themes.theme) : false)
      });
    });

    themes?.themeChanged.connect(() =>
      tracker.forEach(widget => widget.content.model.applyPreferences())
    );

    // The MLflow browser tabs act as this window's user and end with it.
    // Their code loads with the first tab: opened here, or one opened
    // before JupyterLab reloaded that asks this window for the token.
    const tabs: Lazy<BrowserTabs> = new Lazy(async () => {
      const { BrowserTabs } = await import(
        /* webpackChunkName: "mlflow-tabs" */ '../handoff/tabs'
      );
      window.removeEventListener('message', wakeTabs);
      return new BrowserTabs({
        auth,
        gatewayUrl: () =>
          settings.isConfigured ? settings.config.gatewayUrl : null,
        signOut: () => commands.execute(CommandIDs.signOut)
      });
    });
    const withTabs = (use: (loaded: BrowserTabs) => void): void =>
      void tabs
        .load()
        .then(use, reason =>
          console.error('The MLflow browser tabs cannot load.', reason)
        );
    const wakeTabs = (event: MessageEvent): void => {
      if (isTabRequest(event.data)) {
        withTabs(loaded => loaded.receive(event));
      }
    };
    window.addEventListener('message', wakeTabs);

    const current = (): MainAreaWidget<MlflowPanel> | null =>
      tracker.currentWidget ?? tracker.find(() => true) ?? null;

    /** Show the panel at a route, opening it if needed. */
    const open = async (
      route: string,
      routeUser: string | null = null
    ): Promise<void> => {
      const factory = await panels.load();
      let widget = current();
      if (widget === null) {
        const created = factory.create(route, routeUser);
        widget = created;
        // Known to the layout restorer before the shell saves its layout.
        await tracker.add(created);
        // The restored route stays with the user who opened it.
        created.content.model.stateChanged.connect(
          () => void tracker.save(created)
        );
        shell.add(widget, 'main');
      } else {
        widget.content.model.route = route;
        void tracker.save(widget);
      }
      shell.activateById(widget.id);
    };

    const text = (args: ReadonlyPartialJSONObject, name: string): string => {
      const value = args[name];
      if (typeof value !== 'string' || value === '') {
        throw new Error(trans.__('The command needs "%1".', name));
      }
      return value;
    };
    const texts = (args: ReadonlyPartialJSONObject, name: string): string[] => {
      const value = args[name];
      if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
        throw new Error(
          trans.__('The command needs "%1", a list of ids.', name)
        );
      }
      return value as string[];
    };

    commands.addCommand(CommandIDs.open, {
      label: args =>
        args.isPalette ? trans.__('Open MLflow') : trans.__('MLflow'),
      caption: trans.__('Open the MLflow UI in a tab'),
      icon: args => (args.isPalette ? undefined : mlflowIcon),
      execute: args => {
        const route = typeof args.route === 'string' ? args.route : HOME_ROUTE;
        // A restored panel: who opened its route (another user starts at home).
        const routeUser =
          typeof args.routeUser === 'string' ? args.routeUser : null;
        return open(route, routeUser);
      }
    });
    commands.addCommand(CommandIDs.openExperiment, {
      label: trans.__('Open MLflow Experiment'),
      execute: args => open(experimentRoute(text(args, 'experimentId')))
    });
    commands.addCommand(CommandIDs.openRun, {
      label: trans.__('Open MLflow Run'),
      execute: args =>
        open(runRoute(text(args, 'experimentId'), text(args, 'runId')))
    });
    commands.addCommand(CommandIDs.compareRuns, {
      label: trans.__('Compare MLflow Runs'),
      execute: args =>
        open(
          compareRunsRoute(texts(args, 'runIds'), texts(args, 'experimentIds'))
        )
    });
    commands.addCommand(CommandIDs.openModelRegistry, {
      label: trans.__('Open MLflow Model Registry'),
      caption: trans.__('Open the registered models in the MLflow panel'),
      execute: args => {
        const name = typeof args.name === 'string' ? args.name : '';
        const version = typeof args.version === 'string' ? args.version : '';
        return open(
          name === ''
            ? MODEL_REGISTRY_ROUTE
            : version === ''
              ? registeredModelRoute(name)
              : modelVersionRoute(name, version)
        );
      }
    });
    commands.addCommand(CommandIDs.signIn, {
      label: trans.__('Sign In to MLflow'),
      isEnabled: () => auth.status !== 'signed-in',
      execute: () => void open(current()?.content.model.route ?? HOME_ROUTE)
    });
    auth.changed.connect(() =>
      commands.notifyCommandChanged(CommandIDs.signIn)
    );
    commands.addCommand(CommandIDs.reload, {
      label: trans.__('Reload MLflow'),
      caption: trans.__('Load the MLflow UI afresh'),
      icon: args => (args.toolbar ? refreshIcon : undefined),
      isEnabled: () => current() !== null,
      execute: () => {
        const widget = current();
        widget?.content.model.retry();
        widget?.content.reload();
      }
    });
    commands.addCommand(CommandIDs.openInBrowserTab, {
      label: trans.__('Open MLflow in a Browser Tab'),
      caption: trans.__('Open the MLflow UI in a browser tab of its own'),
      icon: args => (args.toolbar ? launchIcon : undefined),
      isEnabled: () => settings.isConfigured,
      execute: () => {
        const tab = openMlflowTab(
          settings.isConfigured ? settings.config.gatewayUrl : null,
          current()?.content.model.route ?? HOME_ROUTE
        );
        if (tab === null) {
          notifyWarning(
            trans.__(
              'The browser did not open the MLflow tab. Allow pop-ups for this page and try again.'
            )
          );
          return;
        }
        withTabs(loaded => loaded.adopt(tab));
      }
    });

    launcher?.add({
      command: CommandIDs.open,
      category: trans.__('Other'),
      rank: 0
    });
    for (const command of [
      CommandIDs.open,
      CommandIDs.openModelRegistry,
      CommandIDs.signIn,
      CommandIDs.reload,
      CommandIDs.openInBrowserTab
    ]) {
      palette?.addItem({
        command,
        category: 'MLflow',
        args: { isPalette: true }
      });
    }
    if (mainMenu) {
      const menu = new MenuSvg({ commands });
      menu.title.label = trans.__('MLflow');
      menu.addItem({ command: CommandIDs.open, args: { isPalette: true } });
      menu.addItem({ command: CommandIDs.openModelRegistry });
      menu.addItem({ type: 'separator' });
      menu.addItem({ command: CommandIDs.openInBrowserTab });
      menu.addItem({ command: CommandIDs.signIn });
      menu.addItem({ command: CommandIDs.signOut });
      mainMenu.addMenu(menu, true, { rank: 1000 });
    }
    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.open,
        args: widget => {
          const { route, routeUser } = widget.content.model;
          return routeUser === null ? { route } : { route, routeUser };
        },
        name: () => 'mlflow'
      });
    }
    measureActivation(panelPlugin.id, startedAt);
  }
};
