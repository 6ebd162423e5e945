import * as React from 'react';

import { groupsLabel } from '../../components/groups-label';
import { IRunBrowserViewProps } from './props';

/** Who browses, with which groups (their roles), and a way out. */
export function SignedInBar(props: IRunBrowserViewProps): JSX.Element | null {
  const { model, trans, actions } = props;
  const user = model.auth.user;
  if (user === null) {
    return null;
  }
  const groups = groupsLabel(user, trans);
  return (
    <div className="jp-MlflowRuns-user">
      <span
        className="jp-MlflowRuns-userName"
        title={trans.__(
          'Signed in to MLflow as %1 (%2)',
          user.username,
          groups
        )}
      >
        {user.username}
      </span>
      <span className="jp-MlflowRuns-userGroups">{groups}</span>
      <button className="jp-MlflowRuns-signOut" onClick={actions.signOut}>
        {trans.__('Sign out')}
      </button>
    </div>
  );
}
