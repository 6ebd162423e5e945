import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { TRANSLATION_DOMAIN } from '../commands';
import { SETTINGS_PLUGIN_ID } from '../contract';
import { measureActivation } from '../perf';
import { MlflowSettings } from '../settings';
import { IMlflowSettings } from '../tokens';

/**
 * Reads the MLflow settings, keeps them current and warns when they are set
 * but unusable.
 */
export const settingsPlugin: JupyterFrontEndPlugin<IMlflowSettings> = {
  id: SETTINGS_PLUGIN_ID,
  description:
    'Reads and checks the MLflow settings and provides them to the other MLflow plugins.',
  autoStart: true,
  requires: [ISettingRegistry],
  optional: [ITranslator],
  provides: IMlflowSettings,
  activate: async (
    app: JupyterFrontEnd,
    registry: ISettingRegistry,
    translator: ITranslator | null
  ): Promise<IMlflowSettings> => {
    const startedAt = performance.now();
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);

    let model: MlflowSettings;
    try {
      const settings = await registry.load(SETTINGS_PLUGIN_ID);
      model = new MlflowSettings(settings, { formatter: trans });
    } catch (reason) {
      console.error(
        `Failed to load the settings of ${SETTINGS_PLUGIN_ID}.`,
        reason
      );
      model = new MlflowSettings(null, {
        formatter: trans,
        problems: [
          trans.__(
            'The MLflow settings could not be loaded: %1',
            describeError(reason)
          )
        ]
      });
    }

    // Toasts shown before the shell is restored would only reach the
    // notification center, not the screen. The notifier loads only once
    // there is a problem to show.
    void app.restored.then(() => notifyProblems(app, model, trans));
    console.debug(
      `${SETTINGS_PLUGIN_ID}: ${model.isConfigured ? 'configured' : 'not configured'}`
    );
    measureActivation(SETTINGS_PLUGIN_ID, startedAt);
    return model;
  }
};

/**
 * Say what went wrong: the setting registry rejects with an `Error` or with a
 * list of schema validation errors.
 */
function describeError(reason: unknown): string {
  if (reason instanceof Error) {
    return reason.message;
  }
  if (Array.isArray(reason)) {
    return reason
      .map(error =>
        [error?.instancePath, error?.message].filter(Boolean).join(' ')
      )
      .join('; ');
  }
  return String(reason);
}

/** Start the settings' problem notifier (`src/settings-problems.ts`) once there is a problem. */
function notifyProblems(
  app: JupyterFrontEnd,
  model: IMlflowSettings,
  trans: TranslationBundle
): void {
  const start = (): void => {
    if (model.problems.length === 0) {
      return;
    }
    model.changed.disconnect(start);
    import(
      /* webpackChunkName: "mlflow-settings-problems" */ '../settings-problems'
    ).then(
      ({ ProblemNotifier }) => new ProblemNotifier(app, model, trans),
      reason =>
        console.error('The MLflow settings problems cannot be shown.', reason)
    );
  };
  model.changed.connect(start);
  start();
}
