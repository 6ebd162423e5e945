import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ICallerPermissions } from '../contract';
import '../styles';
import { IMlflowAuth } from '../tokens';
import { KernelIdentityAnswer, kernelRoles } from './kernel';
import { uiRoles } from './status';

export interface IIdentityDetailsOptions {
  kernel: KernelIdentityAnswer | null;
  auth: IMlflowAuth;
  permissions: ICallerPermissions | null;
  trans: TranslationBundle;
}

/**
 * Whom MLflow sees, in full: the kernels' signed identity and the signed-in
 * user, with their roles. Loaded when the status-bar item is clicked.
 *
 * @returns whether the user asked for the run browser.
 */
export async function showIdentityDetails(
  options: IIdentityDetailsOptions
): Promise<boolean> {
  const { trans } = options;
  const result = await showDialog({
    title: trans.__('Whom MLflow sees'),
    body: <IdentityDetails {...options} />,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Close') }),
      Dialog.okButton({ label: trans.__('Show MLflow Runs') })
    ]
  });
  return result.button.accept;
}

function IdentityDetails(props: IIdentityDetailsOptions): JSX.Element {
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
