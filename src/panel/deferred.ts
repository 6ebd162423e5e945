/**
 * What the MLflow panel loads when it is first opened (`import()` from
 * `src/plugins/panel.ts`): its model with the token hand-off, its view and
 * the styles.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandToolbarButton } from '@jupyterlab/ui-components';

import '../styles';
import { CommandIDs, OPEN_SETTINGS_COMMAND } from '../commands';
import { TokenHandoff } from '../handoff/client';
import { mlflowIcon } from '../icons';
import { notifyWarning } from '../notify';
import { IMlflowAuth, IMlflowSettings } from '../tokens';
import { MlflowPanelModel } from './model';
import { HOME_ROUTE } from './routes';
import { MlflowPanel, SignedInUser } from './widget';

/** Makes MLflow panels, sharing one hand-off frame per gateway. */
export class PanelFactory {
  constructor(private readonly _options: PanelFactory.IOptions) {
    // Signing out clears the MLflow UI's cookie, also with every panel closed.
    _options.auth.tokenChanged.connect((_, token) => {
      if (token === null) {
        this._handoff
          ?.clear()
          .catch(reason =>
            console.error('MLflow: clearing the token failed.', reason)
          );
      }
    });
  }

  /** A panel showing the MLflow UI at `route`. */
  create(
    route: string,
    routeUser: string | null = null
  ): MainAreaWidget<MlflowPanel> {
    const { settings, auth, trans, commands, darkMode } = this._options;
    const tokenStore = (gatewayUrl: string) => this._tokenStore(gatewayUrl);
    const model = new MlflowPanelModel({
      settings,
      auth,
      tokenStore,
      route,
      routeUser,
      uiPreferences: {
        current: () => ({ darkMode: darkMode() }),
        store: tokenStore
      }
    });
    const content = new MlflowPanel({
      model,
      trans,
      actions: {
        openSettings: () =>
          void commands.execute(OPEN_SETTINGS_COMMAND, { query: 'MLflow' }),
        retry: () => model.retry(),
        openHome: () => {
          model.route = HOME_ROUTE;
        },
        signOut: () => void commands.execute(CommandIDs.signOut)
      }
    });
    const widget = new MainAreaWidget({ content });
    widget.id = 'mlflow-panel';
    widget.title.label = trans.__('MLflow');
    widget.title.icon = mlflowIcon;
    widget.title.closable = true;
    widget.toolbar.addItem('user', new SignedInUser(auth, trans));
    for (const [name, id] of [
      ['reload', CommandIDs.reload],
      ['open-in-tab', CommandIDs.openInBrowserTab],
      ['sign-out', CommandIDs.signOut]
    ] as const) {
      widget.toolbar.addItem(
        name,
        new CommandToolbarButton({
          commands,
          id,
          args: { toolbar: true },
          // Icons only, except for signing out, which has none.
          label: name === 'sign-out' ? trans.__('Sign out') : ''
        })
      );
    }
    return widget;
  }

  private _tokenStore(gatewayUrl: string): TokenHandoff {
    if (this._handoff?.gatewayUrl !== gatewayUrl) {
      this._handoff?.dispose();
      this._handoff = new TokenHandoff({ gatewayUrl });
      this._handoff.cookieReplaced.connect((_, other) =>
        this._sayCookieReplaced(other)
      );
    }
    return this._handoff;
  }

  /** A sign-in elsewhere in this browser replaced the cookie; the page put ours back. */
  private _sayCookieReplaced(other: string): void {
    const { auth, trans } = this._options;
    const user = auth.user?.username ?? '';
    notifyWarning(
      other === ''
        ? trans.__(
            "Another MLflow sign-in in this browser replaced the MLflow panel's; the panel acts as %1 again.",
            user
          )
        : trans.__(
            "Another MLflow sign-in in this browser (%1) replaced the MLflow panel's; the panel acts as %2 again.",
            other,
            user
          )
    );
  }

  private _handoff: TokenHandoff | null = null;
}

export namespace PanelFactory {
  export interface IOptions {
    settings: IMlflowSettings;
    auth: IMlflowAuth;
    trans: TranslationBundle;
    commands: JupyterFrontEnd['commands'];
    /** Whether JupyterLab shows a dark theme, for the MLflow UI to follow. */
    darkMode: () => boolean;
  }
}
