import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { callerPermissions } from '../api';
import type { ICallerPermissions } from '../contract';
import { IMlflowAuth, IMlflowSettings, IMlflowUser } from '../tokens';
import {
  KernelIdentityAnswer,
  ServerSettings,
  askKernelIdentity,
  kernelLine,
  watchKernelIdentity
} from './kernel';

export interface IIdentityStatusOptions {
  settings: IMlflowSettings;
  auth: IMlflowAuth;
  trans: TranslationBundle;
  /** The Jupyter server's connection settings (the server extension's base URL). */
  serverSettings: ServerSettings;
  showRunBrowser: () => void;
}

/**
 * The status-bar item: `Notebooks: <their roles> · MLflow UI: <user> ·
 * <roles>`, from what the gateway reports for each (the kernels' signed
 * identity call, `/auth/permissions` for the signed-in user). A click shows
 * both in full (`./details`, loaded then). It shows at start-up, so it
 * brings no styles of its own: the status bar's classes dress it.
 */
export class IdentityStatus extends ReactWidget {
  constructor(private readonly _options: IIdentityStatusOptions) {
    super();
    this.addClass('jp-MlflowIdentityStatus');
    this.addClass('jp-StatusBar-TextItem');
    this.addClass('jp-mod-highlighted');
    this.node.style.cursor = 'pointer';
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    this.node.addEventListener('click', () => void this._showDetails());
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        void this._showDetails();
      }
    });
    _options.auth.changed.connect(this._onAuthChanged, this);
    this._stopWatching = watchKernelIdentity(answer => {
      this._kernel = answer;
      this.update();
    });
    void askKernelIdentity(_options.serverSettings);
    this._onAuthChanged();
  }

  override dispose(): void {
    this._options.auth.changed.disconnect(this._onAuthChanged, this);
    this._stopWatching();
    super.dispose();
  }

  protected override render(): JSX.Element {
    const { trans, auth } = this._options;
    const kernel = kernelLine(this._kernel, trans);
    const ui = uiLine(auth, this._permissionsOf(auth.user), trans);
    this.node.title = trans.__(
      'Whom MLflow sees: notebooks sign as their execution role, the MLflow panel and run browser act as the signed-in user. Click for details.'
    );
    return (
      <>
        <span className="jp-MlflowIdentityStatus-kernel" title={kernel.title}>
          {kernel.text}
        </span>
        <span className="jp-MlflowIdentityStatus-separator" aria-hidden>
          {' | '}
        </span>
        <span className="jp-MlflowIdentityStatus-ui">{ui}</span>
      </>
    );
  }

  /** The user's roles as the gateway reports them, for this user only. */
  private _permissionsOf(user: IMlflowUser | null): ICallerPermissions | null {
    return user !== null && this._permissions?.principal === user.username
      ? this._permissions
      : null;
  }

  private _onAuthChanged(): void {
    this.update();
    const { auth, settings } = this._options;
    const user = auth.user;
    if (auth.status !== 'signed-in' || user === null) {
      return;
    }
    const asked = ++this._asked;
    callerPermissions({
      gatewayUrl: settings.config.gatewayUrl,
      token: () => auth.accessToken()
    }).then(
      permissions => {
        if (asked === this._asked) {
          this._permissions = permissions;
          this.update();
        }
      },
      () => undefined // the token's groups stand in
    );
  }

  private async _showDetails(): Promise<void> {
    const { trans, auth } = this._options;
    this._onAuthChanged();
    const [{ showIdentityDetails }] = await Promise.all([
      import(/* webpackChunkName: "mlflow-identity-details" */ './details'),
      askKernelIdentity(this._options.serverSettings)
    ]);
    const showRunBrowser = await showIdentityDetails({
      kernel: this._kernel,
      auth,
      permissions: this._permissionsOf(auth.user),
      trans
    });
    if (showRunBrowser) {
      this._options.showRunBrowser();
    }
  }

  private readonly _stopWatching: () => void;
  private _kernel: KernelIdentityAnswer | null = null;
  private _permissions: ICallerPermissions | null = null;
  private _asked = 0;
}

/** The MLflow UI's part: the signed-in user and their roles. */
function uiLine(
  auth: IMlflowAuth,
  permissions: ICallerPermissions | null,
  trans: TranslationBundle
): string {
  const user = auth.user;
  if (auth.status === 'unconfigured') {
    return trans.__('MLflow UI: not configured');
  }
  if (auth.status !== 'signed-in' || user === null) {
    return trans.__('MLflow UI: not signed in');
  }
  return trans.__(
    'MLflow UI: %1 · %2',
    user.username,
    uiRoles(user, permissions) || trans.__('no role')
  );
}

/** The roles the gateway reports, else (until it has answered) the token's groups. */
export function uiRoles(
  user: IMlflowUser,
  permissions: ICallerPermissions | null
): string {
  return (permissions?.roles ?? user.groups).join(', ');
}
