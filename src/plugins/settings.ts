import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { OPEN_SETTINGS_COMMAND, TRANSLATION_DOMAIN } from '../commands';
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
    // notification center, not the screen.
    void app.restored.then(() => new ProblemNotifier(app, model, trans));
    console.debug(
      `${SETTINGS_PLUGIN_ID}: ${model.isConfigured ? 'configured' : 'not configured'}`
    );
    measureActivation(SETTINGS_PLUGIN_ID, startedAt);
    return model;
  }
};

/**
 * Shows one warning notification while the settings have problems, replaced
 * when the problems change and withdrawn when they are gone.
 */
class ProblemNotifier {
  constructor(
    app: JupyterFrontEnd,
    model: IMlflowSettings,
    trans: TranslationBundle
  ) {
    this._app = app;
    this._model = model;
    this._trans = trans;
    this._update();
    model.changed.connect(this._update, this);
  }

  private _update(): void {
    const problems = this._model.problems;
    const key = problems.join('\n');
    if (key === this._shownKey) {
      return;
    }
    this._shownKey = key;
    if (this._notificationId !== null) {
      Notification.dismiss(this._notificationId);
      this._notificationId = null;
    }
    if (problems.length === 0) {
      return;
    }

    const trans = this._trans;
    const actions: Notification.IAction[] = [
      {
        label: trans.__('Details'),
        caption: trans.__('List every problem in the MLflow settings'),
        callback: event => {
          // Keep the toast, so that its other actions stay at hand.
          event.preventDefault();
          // The list's styles load with the views, not at start-up.
          void import('../styles');
          void showDialog({
            title: trans.__('MLflow settings'),
            body: problemList(problems),
            buttons: [Dialog.okButton({ label: trans.__('Close') })]
          });
        }
      }
    ];
    const commands = this._app.commands;
    if (commands.hasCommand(OPEN_SETTINGS_COMMAND)) {
      actions.push({
        label: trans.__('Open settings'),
        caption: trans.__('Open the MLflow settings in the settings editor'),
        callback: () => {
          void commands.execute(OPEN_SETTINGS_COMMAND, { query: 'MLflow' });
        }
      });
    }
    this._notificationId = Notification.warning(
      trans._n(
        'The MLflow settings have a problem: %2',
        'The MLflow settings have %1 problems. The first: %2',
        problems.length,
        problems[0]
      ),
      { autoClose: false, actions }
    );
  }

  private readonly _app: JupyterFrontEnd;
  private readonly _model: IMlflowSettings;
  private readonly _trans: TranslationBundle;
  private _notificationId: string | null = null;
  private _shownKey = '';
}

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

/**
 * A widget listing problems, for a dialog body.
 */
function problemList(problems: ReadonlyArray<string>): Widget {
  const list = document.createElement('ul');
  list.className = 'jp-MlflowProblems';
  for (const problem of problems) {
    const item = document.createElement('li');
    item.textContent = problem;
    list.appendChild(item);
  }
  return new Widget({ node: list });
}
