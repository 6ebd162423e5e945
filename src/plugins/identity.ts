import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IStatusBar } from '@jupyterlab/statusbar';
import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Panel } from '@lumino/widgets';

import { CommandIDs, TRANSLATION_DOMAIN } from '../commands';
import type { IIdentityStatusOptions } from '../identity/status';
import { measureActivation } from '../perf';
import { IMlflowAuth, IMlflowSettings } from '../tokens';

/**
 * Whom notebooks and the MLflow UI act as, in the status bar: the kernels
 * sign with the space's AWS credentials (the execution role), while the
 * MLflow panel and the run browser act as the Cognito user. The item's
 * view (`src/identity/status.tsx`) is loaded with `import()` when the
 * status bar first shows it.
 */
export const identityPlugin: JupyterFrontEndPlugin<void> = {
  id: 'sagemaker-studio-mlflow:identity',
  description:
    'Shows in the status bar whom notebooks and the MLflow UI act as in MLflow.',
  autoStart: true,
  requires: [IMlflowSettings, IMlflowAuth],
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    settings: IMlflowSettings,
    auth: IMlflowAuth,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): void => {
    if (statusBar === null) {
      return;
    }
    const startedAt = performance.now();
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const item = new IdentityStatusShell({
      settings,
      auth,
      trans,
      serverSettings: app.serviceManager.serverSettings,
      showRunBrowser: () => void app.commands.execute(CommandIDs.showRunBrowser)
    });
    // Shown once MLflow is configured.
    const configuredChanged = new Signal<IMlflowSettings, void>(settings);
    settings.changed.connect(() => configuredChanged.emit());
    statusBar.registerStatusItem(identityPlugin.id, {
      item,
      align: 'left',
      rank: 1000,
      isActive: () => settings.isConfigured,
      activeStateChanged: configuredChanged
    });
    measureActivation(identityPlugin.id, startedAt);
  }
};

/** The status item until its view is loaded, on first attach. */
class IdentityStatusShell extends Panel {
  constructor(private readonly _options: IIdentityStatusOptions) {
    super();
    this.addClass('jp-MlflowIdentityStatusShell');
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this._loading) {
      return;
    }
    this._loading = true;
    import(/* webpackChunkName: "mlflow-identity" */ '../identity/status').then(
      module => this.addWidget(new module.IdentityStatus(this._options)),
      reason => {
        this._loading = false;
        this.node.title = failureTitle(this._options.trans, reason);
      }
    );
  }

  private _loading = false;
}

const failureTitle = (trans: TranslationBundle, reason: unknown) =>
  trans.__(
    'The MLflow identity could not load: %1',
    (reason as Error)?.message ?? String(reason)
  );
