/**
 * The one warning toast for unusable MLflow settings, loaded by the
 * settings plugin only when there is a problem to show.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { OPEN_SETTINGS_COMMAND } from './commands';
import { IMlflowSettings } from './tokens';

/**
 * Shows one warning notification while the settings have problems, replaced
 * when the problems change and withdrawn when they are gone.
 */
export class ProblemNotifier {
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
          void import('./styles');
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
