import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { groupsLabel } from '../../components/groups-label';
import { mlflowUnavailable } from '../../components/unavailable';
import { IBrowserError, RunBrowserModel } from '../model';

/** Why a call failed, in words, with a way to try again. */
export function ErrorNotice(props: {
  error: IBrowserError;
  model: RunBrowserModel;
  trans: TranslationBundle;
  onRetry: () => void;
}): JSX.Element {
  const { error, trans, model } = props;
  const user = model.auth.user;
  const titles: Record<IBrowserError['kind'], string> = {
    unreachable: trans.__('The MLflow gateway cannot be reached'),
    unauthorized: trans.__('The MLflow gateway did not accept your sign-in'),
    forbidden: trans.__('Your MLflow role does not allow this'),
    noAccess: trans.__('No access'),
    unavailable: mlflowUnavailable(trans).title,
    mlflow: trans.__('MLflow answered with an error'),
    filter: trans.__('MLflow cannot use this search')
  };
  const advice: Partial<Record<IBrowserError['kind'], string>> = {
    unreachable: trans.__(
      'Check your network and the gateway URL in the MLflow settings, or ask your MLflow administrator whether the gateway is up.'
    ),
    unauthorized: trans.__('Sign out and sign in again.'),
    unavailable: mlflowUnavailable(trans).advice,
    forbidden: trans.__(
      'You are signed in as %1 (%2). Ask your MLflow administrator to add you to a group such as readers.',
      user?.username ?? '?',
      groupsLabel(user, trans)
    ),
    filter: trans.__(
      'Filters use MLflow’s search syntax, for example: metrics.rmse < 0.5 and params.model = "xgb"'
    )
  };
  return (
    <div className="jp-MlflowRuns-error" role="alert">
      <div className="jp-MlflowRuns-errorTitle">{titles[error.kind]}</div>
      <div className="jp-MlflowRuns-errorMessage">{error.message}</div>
      {advice[error.kind] !== undefined && <p>{advice[error.kind]}</p>}
      {error.kind !== 'filter' && (
        <button className="jp-mod-styled" onClick={props.onRetry}>
          {trans.__('Try again')}
        </button>
      )}
    </div>
  );
}
