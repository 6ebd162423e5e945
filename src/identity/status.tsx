import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

// Its own styles only: the status bar shows at start-up, the other views' later.
import '../../style/identity.css';

import type { ICallerPermissions } from '../contract';
import { callerPermissions } from '../runs/mlflow';
import { IMlflowAuth, IMlflowSettings, IMlflowUser } from '../tokens';
import {
  KernelIdentityAnswer,
  ServerSettings,
  askKernelIdentity,
  kernelLine,
  kernelRoles,
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
 * both in full.
 */
export class IdentityStatus extends ReactWidget {
  constructor(private readonly _options: IIdentityStatusOptions) {
    super();
    this.addClass('jp-MlflowIdentityStatus');
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
          |
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
    await askKernelIdentity(this._options.serverSettings);
    const result = await showDialog({
      title: trans.__('Whom MLflow sees'),
      body: (
        <IdentityDetails
          kernel={this._kernel}
          auth={auth}
          permissions={this._permissionsOf(auth.user)}
          trans={trans}
        />
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Close') }),
        Dialog.okButton({ label: trans.__('Show MLflow Runs') })
      ]
    });
    if (result.button.accept) {
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
function uiRoles(
  user: IMlflowUser,
  permissions: ICallerPermissions | null
): string {
  return (permissions?.roles ?? user.groups).join(', ');
}

function IdentityDetails(props: {
  kernel: KernelIdentityAnswer | null;
  auth: IMlflowAuth;
  permissions: ICallerPermissions | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { kernel, auth, permissions, trans } = props;
  const user = auth.user;
  return (
    <div className="jp-MlflowIdentityDetails">
      <h3>{trans.__('Notebooks (the MLflow SDK in kernels)')}</h3>
      {kernel?.kind === 'ok' ? (
        <dl>
          <dt>{trans.__('Signed as')}</dt>
          <dd>
            <code>{kernel.identity.principal}</code>
          </dd>
          <dt>{trans.__('MLflow user')}</dt>
          <dd>{kernel.identity.user}</dd>
          <dt>{trans.__('Roles')}</dt>
          <dd>{kernelRoles(kernel) || trans.__('no role')}</dd>
        </dl>
      ) : (
        <p>{kernel?.message ?? trans.__('Asking the gateway…')}</p>
      )}
      <h3>{trans.__('MLflow panel and run browser')}</h3>
      {auth.status === 'signed-in' && user !== null ? (
        <dl>
          <dt>{trans.__('Signed in as')}</dt>
          <dd>{user.username}</dd>
          <dt>{trans.__('Roles')}</dt>
          <dd>{uiRoles(user, permissions) || trans.__('no role')}</dd>
        </dl>
      ) : (
        <p>{trans.__('Nobody is signed in to MLflow in this browser.')}</p>
      )}
      <p className="jp-MlflowIdentityDetails-note">
        {trans.__(
          'The two are decided apart: code in a notebook may do what its role allows, whoever is signed in to the MLflow panel.'
        )}
      </p>
    </div>
  );
}
