import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import {
  CommandIDs,
  OPEN_SETTINGS_COMMAND,
  TRANSLATION_DOMAIN
} from '../commands';
import { modelsIcon } from '../icons';
import { ModelsSidebar } from '../models/widget';
import { notifyError } from '../notify';
import { measureActivation } from '../perf';
import { IMlflowAuth, IMlflowSettings } from '../tokens';

/**
 * The models view: registered models beside the runs, in a sidebar of its
 * own. Only the shell and the commands are made at start-up; the rest is
 * loaded when the sidebar is first shown (`src/models/widget.tsx`).
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

    const sidebar = new ModelsSidebar({
      settings,
      auth,
      trans,
      api: {
        get gatewayUrl() {
          return settings.config.gatewayUrl;
        },
        token: () => auth.accessToken()
      },
      commands: {
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
      }
    });
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
      isEnabled: () => sidebar.model !== null,
      execute: () => sidebar.model?.refresh()
    });
    for (const command of [CommandIDs.showModels, CommandIDs.refreshModels]) {
      palette?.addItem({ command, category: 'MLflow' });
    }
    measureActivation(modelsPlugin.id, startedAt);
  }
};
