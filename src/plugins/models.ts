import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import {
  CommandIDs,
  OPEN_SETTINGS_COMMAND,
  TRANSLATION_DOMAIN
} from '../commands';
import { DeferredSidebar } from '../components/deferred-sidebar';
import { modelsIcon } from '../icons';
import type { ModelsModel } from '../models/model';
import type { IModelsCommands } from '../models/sidebar-content';
import { notifyError } from '../notify';
import { measureActivation } from '../perf';
import { IMlflowAuth, IMlflowSettings } from '../tokens';

/**
 * The models view: registered models beside the runs, in a sidebar of its
 * own. Only the shell and the commands are made at start-up; the rest is
 * loaded when the sidebar is first shown (`src/models/sidebar-content.tsx`).
 */
export const modelsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'sagemaker-studio-mlflow:models',
  description:
    'Adds a sidebar with the registered MLflow models, their versions and aliases.',
  autoStart: true,
  requires: [IMlflowSettings, IMlflowAuth],
  optional: [ITranslator, ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    settings: IMlflowSettings,
    auth: IMlflowAuth,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): void => {
    const startedAt = performance.now();
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const { commands, shell } = app;

    const modelsCommands = modelsViewCommands(commands, trans);
    const sidebar = new DeferredSidebar<ModelsModel>({
      trans,
      labels: {
        loading: trans.__('Loading the models view…'),
        failed: trans.__('The models view could not load')
      },
      load: async () => {
        const { modelsContent } = await import(
          /* webpackChunkName: "mlflow-models" */ '../models/loaded'
        );
        return modelsContent({
          settings,
          auth,
          trans,
          api: {
            get gatewayUrl() {
              return settings.config.gatewayUrl;
            },
            token: () => auth.accessToken()
          },
          commands: modelsCommands
        });
      }
    });
    sidebar.addClass('jp-MlflowModels');
    sidebar.id = 'mlflow-models';
    sidebar.title.icon = modelsIcon;
    sidebar.title.caption = trans.__('MLflow Models');

    let side = settings.config.sidebarSide;
    shell.add(sidebar, side, { rank: 660 });
    settings.changed.connect(() => {
      if (settings.config.sidebarSide !== side) {
        side = settings.config.sidebarSide;
        shell.add(sidebar, side, { rank: 660 });
      }
    });
    restorer?.add(sidebar, 'mlflow-models');

    commands.addCommand(CommandIDs.showModels, {
      label: trans.__('Show MLflow Models'),
      caption: trans.__('Browse the registered MLflow models in the sidebar'),
      icon: modelsIcon,
      execute: () => shell.activateById(sidebar.id)
    });
    commands.addCommand(CommandIDs.refreshModels, {
      label: trans.__('Refresh MLflow Models'),
      isEnabled: () => sidebar.value !== null,
      execute: () => sidebar.value?.refresh()
    });
    for (const command of [CommandIDs.showModels, CommandIDs.refreshModels]) {
      palette?.addItem({ command, category: 'MLflow' });
    }
    measureActivation(modelsPlugin.id, startedAt);
  }
};

/** What the models view asks of JupyterLab, as commands. */
export function modelsViewCommands(
  commands: CommandRegistry,
  trans: TranslationBundle
): IModelsCommands {
  return {
    openSettings: () =>
      void commands.execute(OPEN_SETTINGS_COMMAND, { query: 'MLflow' }),
    openInMlflow: (name, version) =>
      void commands.execute(CommandIDs.openModelRegistry, {
        name,
        ...(version === undefined ? {} : { version })
      }),
    insertCode: code => {
      commands
        .execute(CommandIDs.insertCode, { code })
        .catch(reason =>
          notifyError(
            trans.__(
              'The code was not inserted: %1',
              (reason as Error)?.message ?? String(reason)
            )
          )
        );
    },
    signOut: () => void commands.execute(CommandIDs.signOut)
  };
}
